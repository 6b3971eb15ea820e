"""Every fixed set of values the CLI accepts or shows, defined once.

Most are the values of a PostgreSQL enum in `supabase/migrations`; `DATABASE_ENUMS` names which, and
a test compares each with the migrated database's `pg_enum`. Plain tuples, in the order help and
errors list them: every command imports this module, the everyday ones included, so it imports
nothing.
"""

from __future__ import annotations

ROLES = ("agent", "admin")
TIERS = ("free", "basic", "pro", "enterprise")
PAID_TIERS = TIERS[1:]  # what a subscription checkout sells
TRANSACTION_TYPES = ("purchase", "usage", "refund", "subscription", "adjustment", "bonus")
SUBSCRIPTION_STATUSES = ("active", "cancelled", "paused", "past_due")
JOB_STATUSES = ("pending", "queued", "processing", "completed", "failed", "cancelled")
PROJECT_STATUSES = ("queued", "processing", "completed", "failed", "cancelled", "pending")
PROJECT_TYPES = ("photo_edit", "video", "template")
#: In the order the provider registry prefers them when several can do a job.
PROVIDERS = ("replicate", "nano_banana", "qwen", "local")
CONTACT_TYPES = ("buyer", "seller", "investor", "other")
CONTACT_STATUSES = ("lead", "active", "closed")
LISTING_STATUSES = ("active", "pending", "sold", "off_market")
MEDIA_TYPES = ("image", "video", "template")
TEMPLATE_TYPES = ("listing_promo", "open_house", "instagram_reel", "custom")
NOTIFICATION_TYPES = (
    "credit_low",
    "job_completed",
    "payment_success",
    "payment_failed",
    "subscription_renewal",
    "system",
    "job_failed",
)
USE_CASES = ("photos", "video", "templates", "all")

#: The PostgreSQL enum (schema `public`) each set above holds the values of.
DATABASE_ENUMS = {
    "user_role": ROLES,
    "subscription_tier": TIERS,
    "credit_transaction_type": TRANSACTION_TYPES,
    "subscription_status": SUBSCRIPTION_STATUSES,
    "job_status": JOB_STATUSES,
    "project_type": PROJECT_TYPES,
    "ai_service": PROVIDERS,
    "contact_type": CONTACT_TYPES,
    "contact_status": CONTACT_STATUSES,
    "listing_status": LISTING_STATUSES,
    "media_type": MEDIA_TYPES,
    "template_type": TEMPLATE_TYPES,
    "notification_type": NOTIFICATION_TYPES,
    "use_case": USE_CASES,
}

# Sets of the CLI's own, not stored in the database.
ON_DUPLICATE = ("skip", "update")  # crm contacts import: what to do with a contact already there
AUDIT_RESOURCES = ("user", "project")  # admin audit --resource
