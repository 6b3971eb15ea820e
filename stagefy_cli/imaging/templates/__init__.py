"""The template renderer: promo posts, open-house flyers and reels from a listing (`render` is its
entry point; the other modules are its parts: content, design, layout, placeholders, flyer, promo)."""
