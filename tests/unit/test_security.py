from __future__ import annotations

import pytest

from lms.security import CONTENT_SECURITY_POLICY, safe_next_url


@pytest.mark.parametrize("target", ["/", "/account", "/admin/users?page=2", "/courses/a-b#section"])
def test_paths_on_this_site_are_followed(target):
    assert safe_next_url(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\tevil",
        "account",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_is_refused(target):
    assert safe_next_url(target) is None


def test_the_policy_allows_no_inline_script_or_style():
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "style-src 'self'" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
