"""Supabase Realtime's broadcasts on the embedded stack: `/realtime/v1/websocket`."""
