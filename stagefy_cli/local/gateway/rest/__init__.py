"""`/rest/v1`: the subset of PostgREST that supabase-py uses."""
