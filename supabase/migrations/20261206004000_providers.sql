-- Provider defaults the services accept today.
--
-- A queued edit shows prices.default_service/default_model until a worker claims it (the worker
-- records who really runs it). Gemini shut gemini-2.5-flash-image down on 2026-10-02: its
-- successor is gemini-3.1-flash-image. Replicate's models route takes official models only, so
-- staging no longer defaults to the community model adirik/interior-design but to the official
-- google/nano-banana-2, as every other edit type on Replicate does.

update public.prices
   set default_model = 'gemini-3.1-flash-image', updated_at = now()
 where default_service = 'nano_banana' and default_model = 'gemini-2.5-flash-image';

update public.prices
   set default_model = 'google/nano-banana-2', updated_at = now()
 where default_service = 'replicate' and default_model in ('adirik/interior-design', 'google/nano-banana');

-- Wishes within what the services read. DashScope's image edit models cut an instruction after 800
-- characters without a word, so an edit that may run on qwen (no provider asked for, or qwen) is
-- refused at submission when the user's words cannot fit beside the built-in instructions: the
-- job insert fails, and with it the submission's charge (one transaction). The figures are
-- stagefy_cli/ai/prompts.py's max_wish for qwen (the least over every style and room); a test
-- keeps the two equal.

create function private.max_wish(p_edit_type text, p_service text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select case when p_service = 'qwen' then
    case p_edit_type
      when 'virtual_staging' then 422
      when 'declutter' then 309
      when 'enhance' then 521
      when 'sky_replacement' then 555
      when 'day_to_dusk' then 489
      when 'custom' then 580
    end
  end;
$$;

create function private.check_prompt_fits()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_wish integer := char_length(btrim(coalesce(new.input ->> 'prompt', '')));
  v_most integer;
begin
  if new.input ->> 'kind' = 'edit' and v_wish > 0
     and coalesce(new.input ->> 'provider', 'qwen') = 'qwen' then
    v_most := private.max_wish(new.input ->> 'edit_type', 'qwen');
    if v_wish > v_most then
      raise exception using errcode = 'P0422', message = format(
        'the request is too long for qwen (%s characters; at most %s fit its 800-character instruction '
        'limit beside the built-in instructions). Shorten the prompt to %s characters or fewer',
        v_wish, v_most, v_most);
    end if;
  end if;
  return new;
end;
$$;

revoke execute on function private.max_wish(text, text) from public, anon, authenticated;
revoke execute on function private.check_prompt_fits() from public, anon, authenticated;

create trigger ai_jobs_prompt_fits
  before insert on public.ai_jobs
  for each row execute function private.check_prompt_fits();
