from __future__ import annotations

import pytest

from stagefy_cli.billing.config import DEFAULT_ITN_HOSTS, PayFastConfig
from stagefy_cli.billing.errors import PayFastError


def test_sandbox_defaults_to_the_public_sandbox_merchant_and_hosts():
    config = PayFastConfig.from_env({"PAYFAST_SANDBOX": "1"})
    assert (config.merchant_id, config.merchant_key) == ("10000100", "46f0cd694581a")
    assert config.sandbox
    assert config.process_url == "https://sandbox.payfast.co.za/eng/process"
    assert config.validate_url == "https://sandbox.payfast.co.za/eng/query/validate"
    assert config.api_url == "https://api.payfast.co.za"
    assert config.itn_hosts == DEFAULT_ITN_HOSTS
    assert config.passphrase is None


def test_live_reads_the_merchant_and_the_overrides():
    config = PayFastConfig.from_env(
        {
            "PAYFAST_MERCHANT_ID": "10012345",
            "PAYFAST_MERCHANT_KEY": "abc123",
            "PAYFAST_PASSPHRASE": "s3cret-phrase",
            "STAGEFY_PAYFAST_PROCESS_URL": "http://127.0.0.1:9/eng/process",
            "STAGEFY_PAYFAST_VALIDATE_URL": "http://127.0.0.1:9/eng/query/validate",
            "STAGEFY_PAYFAST_API_URL": "http://127.0.0.1:9/",
            "STAGEFY_PAYFAST_ITN_HOSTS": " localhost, 127.0.0.1 ,",
            "STAGEFY_PAYFAST_RETURN_URL": "https://stagefy.example/paid",
            "STAGEFY_PAYFAST_CANCEL_URL": "https://stagefy.example/cancelled",
            "STAGEFY_PAYFAST_NOTIFY_URL": "https://stagefy.example/functions/v1/payfast-itn",
        }
    )
    assert not config.sandbox
    assert (config.merchant_id, config.merchant_key, config.passphrase) == (
        "10012345",
        "abc123",
        "s3cret-phrase",
    )
    assert config.process_url == "http://127.0.0.1:9/eng/process"
    assert config.validate_url == "http://127.0.0.1:9/eng/query/validate"
    assert config.api_url == "http://127.0.0.1:9"
    assert config.itn_hosts == ("localhost", "127.0.0.1")
    assert config.notify_url == "https://stagefy.example/functions/v1/payfast-itn"
    assert config.return_url == "https://stagefy.example/paid"
    assert config.cancel_url == "https://stagefy.example/cancelled"


def test_live_hosts_by_default():
    config = PayFastConfig.from_env({"PAYFAST_MERCHANT_ID": "1", "PAYFAST_MERCHANT_KEY": "k"})
    assert config.process_url == "https://www.payfast.co.za/eng/process"
    assert config.validate_url == "https://www.payfast.co.za/eng/query/validate"


def test_live_without_a_merchant_is_an_error():
    with pytest.raises(PayFastError, match="PAYFAST_MERCHANT_ID"):
        PayFastConfig.from_env({})


def test_repr_hides_the_passphrase():
    config = PayFastConfig.from_env({"PAYFAST_SANDBOX": "true", "PAYFAST_PASSPHRASE": "s3cret-phrase"})
    assert "s3cret-phrase" not in repr(config)
    assert "s3cret-phrase" not in str(config)
