"""API7:2023 Server Side Request Forgery.

A webhook URL is the one place where a client chooses what the server calls. Every way of
spelling a loopback, private, link-local or cloud-metadata address is refused, on creation
and on change, with a 422 naming `url`, and the subscription keeps its public URL.

The plain spellings (127.0.0.1, localhost, 169.254.169.254, 10.0.0.1, [::1],
[::ffff:127.0.0.1], 100.64.0.1, 0.0.0.0, user:password@) are in tests/api/test_webhooks.py,
the address rules themselves in tests/unit/test_webhook_urls.py, and the check repeated at
delivery time (DNS rebinding) in test_webhooks.py too. Here: the other spellings, through
HTTP. No name needs a DNS server: numeric hosts are literal, `localhost` is in /etc/hosts.
"""

import pytest

from tests.security.support import PUBLIC_WEBHOOK_URL, assert_problem, changed, error_locs, stored_rows

UNSAFE_URLS = [
    # 127.0.0.1 spelt as one decimal, hexadecimal or octal number, or in short form
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://127.1/",
    "http://127.000.000.001/",
    # The cloud metadata service (169.254.169.254) likewise
    "http://2852039166/latest/meta-data/",
    "http://0xa9fea9fe/latest/meta-data/",
    "http://169.254.169.254.:80/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/latest/meta-data/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "http://[2002:a9fe:a9fe::1]/",  # 6to4 of it
    "http://[fd00:ec2::254]/latest/meta-data/",  # the AWS metadata service over IPv6
    # Private ranges
    "http://192.168.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://10.255.255.255:8080/admin",
    # IPv6 loopback, link-local, unique local, unspecified, IPv4-compatible
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[::]/",
    "http://[::127.0.0.1]/",
    # Loopback by name, whatever the case, port or scheme
    "http://LOCALHOST/",
    "https://localhost:8443/hook",
    "HTTP://127.0.0.1/",
    # Encodings a URL parser decodes before connecting
    "http://%31%32%37.0.0.1/",
    "http://１２７.０.０.１/",  # full-width digits
]


async def _subscription(client, staff) -> dict:
    response = await client.post(
        "/v1/webhooks", json={"url": PUBLIC_WEBHOOK_URL, "events": ["snapshot.published"]}, headers=staff
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("url", UNSAFE_URLS)
async def test_a_webhook_url_that_reaches_inside_is_refused_naming_url(app, client, staff, url):
    subscription = await _subscription(client, staff)
    before = await stored_rows(app)

    created = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["snapshot.published"]}, headers=staff
    )
    changed_url = await client.patch(f"/v1/webhooks/{subscription['id']}", json={"url": url}, headers=staff)

    for response in (created, changed_url):
        assert_problem(response, 422)
        assert error_locs(response) == [["body", "url"]], response.text
    assert changed(before, await stored_rows(app)) == []
    current = await client.get(f"/v1/webhooks/{subscription['id']}", headers=staff)
    assert current.json()["url"] == PUBLIC_WEBHOOK_URL


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook",
        "http://93.184.216.34:8080/hook?x=1",
        "https://[2606:4700:4700::1111]/hook",
        "http://1572395042/hook",  # 93.184.216.34 as one number: public, however spelt
    ],
)
async def test_a_public_address_is_accepted_however_it_is_spelt(client, staff, url):
    """The refusals above are about where the URL leads, not a blanket refusal of odd URLs."""
    response = await client.post(
        "/v1/webhooks", json={"url": url, "events": ["snapshot.published"]}, headers=staff
    )
    assert response.status_code == 201, response.text
