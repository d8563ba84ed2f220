"""Safety: only http and https; loopback, private and link-local addresses are refused unless the site's own
hosts are allowed them (`allow_private`), and then only those hosts, never a redirect elsewhere."""

from __future__ import annotations

from crawler.fetch import address_problem
from tests.crawlsite import Response, crawl, page


def test_private_addresses_are_refused_by_default(tmp_path, serve):
    site = serve({"/": page("<p>intranet</p>")})
    done = crawl(tmp_path, [{"id": "intranet", "url": site.url, "allow_private": False}])
    assert site.hits == []  # not even robots.txt: nothing was sent
    s = done.summaries["intranet"]
    assert s.status == "unreachable" and s.reason.startswith("private-address:") and "127.0.0.1" in s.reason


def test_allow_private_covers_the_sites_own_hosts_only(tmp_path, serve):
    site = serve({"/": page("<a href='/away'>away</a><a href='/ftp'>ftp</a><a href='ftp://127.0.0.1/x'>f</a>"),
                  "/away": Response(status=302, headers={"Location": "/step"}),
                  "/ftp": Response(status=301, headers={"Location": "ftp://127.0.0.1/pub/"})})
    # The redirect leaves for another name of the same machine: a host the site does not own.
    site.routes["/step"] = Response(status=302, headers={"Location": f"http://localhost:{site.port}/inside"})
    site.routes["/inside"] = page("<p>should never be read</p>")
    done = crawl(tmp_path, [{"id": "demo", "url": site.url}])
    assert "/inside" not in site.paths()
    kinds = done.kinds("demo")
    assert kinds["private-address"] == [site.url + "away"] and kinds["scheme"] == [site.url + "ftp"]
    assert done.summaries["demo"].pages == 1


def test_address_classification():
    assert address_problem("127.0.0.1") and address_problem("10.1.2.3") and address_problem("192.168.0.10")
    assert address_problem("169.254.169.254")  # link-local: the cloud metadata address among them
    assert address_problem("::1") and address_problem("fe80::1") and address_problem("localhost")
    assert address_problem("8.8.8.8") == "" and address_problem("2a00:1450:4001::200e") == ""
    assert address_problem("no-such-host.invalid") == ""  # left for the fetch to report as a DNS failure
