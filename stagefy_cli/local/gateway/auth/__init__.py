"""`/auth/v1`: the subset of GoTrue that supabase-py uses."""
