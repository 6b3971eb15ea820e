"""The video renderer: photos or AI clips to MP4 with motion, cross-fades, cards and music (`render`
is its entry point; the other modules are its parts: photos, motion, filters, segments, cards, audio,
encoder, types)."""
