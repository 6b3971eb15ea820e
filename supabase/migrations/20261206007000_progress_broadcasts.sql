-- Progress is pushed: every change of a project's state or of one of its jobs' status is broadcast
-- to its owner's private Realtime channel `user:<user id>` (Realtime's "Broadcast from Database":
-- `realtime.send` writes `realtime.messages`, Realtime delivers each committed row to the clients
-- joined to its topic). A waiting `stagefy edit` reads its project once when it starts and once when
-- it ends, and follows the pushes in between instead of polling.
--
-- Who may join a private channel is row level security on `realtime.messages`: Realtime checks, with
-- the joining user's claims and `realtime.topic()` set to the channel, whether they could read a
-- message of that topic. An agent can read only their own topic. Admins get no wider view here on
-- purpose: their console reads the tables, and a push of every agent's work is nobody's need.

-- The project's state as `stagefy` shows progress: its status, its counts (not the list of outputs,
-- which grows with the batch) and its error.
create or replace function private.project_progress(p_project public.projects)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object(
    'id', p_project.id,
    'status', p_project.status,
    'output_data', coalesce(p_project.output_data, '{}'::jsonb) - 'outputs',
    'error_message', p_project.error_message
  );
$$;

-- Security definer so a change made as any role (an agent's rename, the worker's completion) can
-- write the message; realtime.send never fails its caller (it turns its own errors into warnings).
create or replace function private.broadcast_project_change()
returns trigger language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'UPDATE' and new.status is not distinct from old.status
     and new.error_message is not distinct from old.error_message
     and (coalesce(new.output_data, '{}'::jsonb) - 'outputs')
         is not distinct from (coalesce(old.output_data, '{}'::jsonb) - 'outputs') then
    return null;
  end if;
  perform realtime.send(private.project_progress(new), 'project_changed', 'user:' || new.user_id::text, true);
  return null;
end;
$$;

create or replace function private.broadcast_job_change()
returns trigger language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'UPDATE' and new.status is not distinct from old.status then
    return null;
  end if;
  perform realtime.send(
    jsonb_build_object('id', new.id, 'project_id', new.project_id, 'status', new.status),
    'job_changed', 'user:' || new.user_id::text, true
  );
  return null;
end;
$$;

revoke all on function private.project_progress(public.projects) from public;
revoke all on function private.broadcast_project_change() from public;
revoke all on function private.broadcast_job_change() from public;

create trigger broadcast_project_change after insert or update on public.projects
  for each row execute function private.broadcast_project_change();
create trigger broadcast_job_change after insert or update of status on public.ai_jobs
  for each row execute function private.broadcast_job_change();

create policy "agents receive their own progress" on realtime.messages
  for select to authenticated
  using (
    extension = 'broadcast'
    and (select realtime.topic()) = 'user:' || (select auth.uid())::text
  );
