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
