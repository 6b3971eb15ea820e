"""`/storage/v1`: the subset of Supabase Storage that supabase-py uses."""
