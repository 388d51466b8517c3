"""The SSRF guard of webhook URLs."""

import asyncio
import ipaddress
import socket

import pytest

from services.core.webhooks.urls import UnsafeUrl, check_url, is_public_address, resolve_url

NON_PUBLIC = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "https://127.0.0.1:8443/hook",
    "http://[2002:7f00:1::1]/",  # 6to4 wrapping 127.0.0.1
]
PUBLIC = ["http://93.184.216.34/hook", "https://93.184.216.34:8443/x?y=1", "https://[2606:4700:4700::1111]/"]


@pytest.fixture
async def no_dns(monkeypatch):
    """Fail the test if anything tries to resolve a name."""

    async def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected DNS lookup: {args}")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", refuse)


@pytest.fixture
async def fake_dns(monkeypatch):
    """A resolver answering from a table: name -> addresses (None = no such name)."""
    table: dict[str, list[str] | None] = {}

    async def resolve(host, port, *args, **kwargs):
        addresses = table.get(host)
        if addresses is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", resolve)
    return table


@pytest.mark.parametrize("url", NON_PUBLIC)
async def test_non_public_literal_addresses_are_refused(url, no_dns):
    with pytest.raises(UnsafeUrl, match="non-public address"):
        await check_url(url, allow_private=False)


@pytest.mark.parametrize("url", NON_PUBLIC)
async def test_allow_private_accepts_them(url, no_dns):
    await check_url(url, allow_private=True)


@pytest.mark.parametrize("url", PUBLIC)
async def test_public_literal_addresses_need_no_dns(url, no_dns):
    await check_url(url, allow_private=False)


async def test_names_do_need_dns(no_dns):
    # Proves that the no_dns fixture would catch a lookup in the tests above.
    with pytest.raises(AssertionError, match="unexpected DNS lookup"):
        await check_url("https://hooks.example.org/", allow_private=False)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.216.34/hook", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("gopher://93.184.216.34/", "Only http:// and https://"),
        ("93.184.216.34/hook", "Only http:// and https://"),
        ("http://user:pw@93.184.216.34/", "credentials"),
        ("http://user@93.184.216.34/", "credentials"),
        ("http:///hook", "no host"),
        ("http://93.184.216.34:99999/", "Malformed URL"),
    ],
)
async def test_malformed_or_disallowed_urls_are_refused(url, message, no_dns):
    for allow_private in (False, True):
        with pytest.raises(UnsafeUrl, match=message):
            await check_url(url, allow_private=allow_private)


async def test_unsafe_url_is_a_value_error():
    assert issubclass(UnsafeUrl, ValueError)


async def test_names_are_judged_by_every_address_they_resolve_to(fake_dns):
    fake_dns["hooks.example.org"] = ["93.184.216.34", "2606:4700:4700::1111"]
    fake_dns["split.example.org"] = ["93.184.216.34", "10.0.0.5"]
    fake_dns["inside.example.org"] = ["::1"]
    fake_dns["metadata.example.org"] = ["169.254.169.254"]

    assert [str(a) for a in await resolve_url("https://hooks.example.org/in", False)] == [
        "93.184.216.34",
        "2606:4700:4700::1111",
    ]
    for name in ("split", "inside", "metadata"):
        with pytest.raises(UnsafeUrl, match="non-public address"):
            await check_url(f"https://{name}.example.org/in", allow_private=False)
        await check_url(f"https://{name}.example.org/in", allow_private=True)


async def test_unresolvable_names_are_refused_even_when_private_is_allowed(fake_dns):
    for allow_private in (False, True):
        with pytest.raises(UnsafeUrl, match="cannot be resolved"):
            await check_url("https://nowhere.example.org/", allow_private=allow_private)


async def test_localhost_and_numeric_spellings_of_loopback_are_refused():
    # The system resolver turns these into 127.0.0.1 (or ::1) without any network query.
    for url in ("http://localhost:8000/", "http://2130706433/", "http://0x7f.1/", "http://127.1/"):
        with pytest.raises(UnsafeUrl, match="non-public address"):
            await check_url(url, allow_private=False)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
        ("100.127.255.255", False),
        ("198.18.0.1", False),
        ("192.0.0.8", False),
        ("::ffff:169.254.169.254", False),
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", False),  # Teredo of 10.0.0.1
        ("ff02::1", False),
    ],
)
def test_is_public_address(address, public):
    assert is_public_address(ipaddress.ip_address(address)) is public
