"""What is for sale has a real price: the database refuses NaN (which PostgreSQL sorts above every
number, so `price_zar > 0` alone lets it through), zero and negative prices."""

from __future__ import annotations

import psycopg
import pytest


@pytest.mark.parametrize("table", ["credit_packs", "plans"])
@pytest.mark.parametrize("price", ["NaN", "0", "-5"])
def test_a_pack_or_plan_price_must_be_a_positive_number(pg_dsn, table, price):
    with psycopg.connect(pg_dsn) as conn:
        [(before,)] = conn.execute(
            f"select array_agg(price_zar order by code) from public.{table}"
        ).fetchall()
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(f"update public.{table} set price_zar = %s::numeric", (price,))
        conn.rollback()
        [(after,)] = conn.execute(f"select array_agg(price_zar order by code) from public.{table}").fetchall()
    assert after == before
