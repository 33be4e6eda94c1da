"""The photo fetcher against a real HTTP server on 127.0.0.1: good photos and hostile ones."""

from __future__ import annotations

import hashlib
import ssl

import pytest

from tests.images.conftest import BIG, FetcherFactory, table_resolver
from tests.images.photo_server import JPEG, PNG, PhotoServer
from vitrina.errors import (
    InvalidPhotoUrl,
    PhotoBlocked,
    PhotoFetchError,
    PhotoNotAnImage,
    PhotoNotFound,
    PhotoRateLimited,
    PhotoRefused,
    PhotoRejected,
    PhotoServerError,
    PhotoTimeout,
    PhotoTooLarge,
    PhotoUnreachable,
    TooManyRedirects,
)
from vitrina.images.fetched import FetchedPhoto


def fetch_photo(fetcher: object, url: str) -> FetchedPhoto:
    result = fetcher.fetch(url)  # type: ignore[attr-defined]
    assert isinstance(result, FetchedPhoto)
    return result


# --- good photos ----------------------------------------------------------------------------


def test_a_jpeg_arrives_with_its_hash_and_sniffed_type(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    photo = fetch_photo(make_fetcher(), server.url("/photo.jpg"))
    assert photo.data == JPEG
    assert photo.content_type == "image/jpeg"
    assert photo.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert (photo.width, photo.height) == (640, 480)
    assert photo.final_url == photo.url == server.url("/photo.jpg")


def test_the_type_comes_from_the_bytes_not_the_servers_label(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    fetcher = make_fetcher()
    assert fetch_photo(fetcher, server.url("/photo.png")).content_type == "image/png"
    assert fetch_photo(fetcher, server.url("/photo.png")).data == PNG
    assert fetch_photo(fetcher, server.url("/mislabelled.png")).content_type == "image/jpeg"


# --- redirects ------------------------------------------------------------------------------


def test_three_redirects_are_followed(server: PhotoServer, make_fetcher: FetcherFactory) -> None:
    photo = fetch_photo(make_fetcher(), server.url("/redirect/3"))
    assert photo.data == JPEG
    assert photo.final_url == server.url("/redirect/0")
    assert server.paths() == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]


def test_a_fourth_redirect_is_refused(server: PhotoServer, make_fetcher: FetcherFactory) -> None:
    with pytest.raises(TooManyRedirects) as caught:
        make_fetcher().fetch(server.url("/redirect/4"))
    assert caught.value.permanent
    assert server.url("/redirect/4") in caught.value.message
    assert "/redirect/0" not in server.paths()


def test_a_redirect_without_location_is_refused(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoRefused, match="without saying where"):
        make_fetcher().fetch(server.url("/no-location.jpg"))


def test_a_redirect_to_a_blocked_address_never_reaches_it(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    # localhost is allowed by name; the same server as 127.0.0.1 is not.
    target = server.url("/photo.jpg", host="127.0.0.1")
    url = server.url(f"/to?url={target}")
    with pytest.raises(PhotoBlocked) as caught:
        make_fetcher(allow=["localhost"]).fetch(url)
    assert caught.value.permanent
    assert caught.value.url == url
    assert "loopback" in caught.value.message
    assert "VITRINA_IMAGE_HOSTS_ALLOW" in caught.value.message
    assert server.paths() == [f"/to?url={target}"]


def test_a_redirect_to_a_name_that_resolves_to_a_blocked_address_is_refused(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    resolver = table_resolver({"evil.example": ["127.0.0.1"]})
    url = server.url(f"/to?url={server.url('/photo.jpg', host='evil.example')}")
    with pytest.raises(PhotoBlocked, match=r"evil\.example \(127\.0\.0\.1\)"):
        make_fetcher(allow=["localhost"], resolver=resolver).fetch(url)
    assert len(server.seen) == 1


def test_a_redirect_to_another_scheme_is_refused(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoBlocked, match="only http:// and https://"):
        make_fetcher().fetch(server.url("/to?url=file:///etc/passwd"))


@pytest.mark.parametrize(
    "host", ["xn--zz-.example", "xn--a.example", "xn--", "xn--ls8h.xn--"]
)
def test_a_malformed_international_host_is_an_invalid_address_directly_or_by_redirect(
    server: PhotoServer, make_fetcher: FetcherFactory, host: str
) -> None:
    with pytest.raises(InvalidPhotoUrl) as direct:
        make_fetcher().fetch(f"http://{host}/photo.jpg")
    assert direct.value.permanent
    with pytest.raises(InvalidPhotoUrl, match="redirects to an invalid address"):
        make_fetcher().fetch(server.url(f"/to?url=http://{host}/photo.jpg"))


# --- where we may connect -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/photo.jpg",
        "http://2130706433:{port}/photo.jpg",
        "http://0x7f.1:{port}/photo.jpg",
        "http://127.1:{port}/photo.jpg",
        "http://[::ffff:127.0.0.1]:{port}/photo.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://10.0.0.1/photo.jpg",
        "http://100.100.100.200/latest/meta-data/",
        "http://0.0.0.0:{port}/photo.jpg",
    ],
)
def test_private_and_metadata_addresses_are_blocked_in_every_spelling(
    server: PhotoServer, make_fetcher: FetcherFactory, url: str
) -> None:
    url = url.format(port=server.port)
    with pytest.raises(PhotoBlocked) as caught:
        make_fetcher(allow=[]).fetch(url)
    assert caught.value.url == url
    assert url in caught.value.message
    assert server.seen == []


def test_localhost_is_blocked_unless_allowed(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoBlocked, match=r"localhost \(127\.0\.0\.1\), a loopback address"):
        make_fetcher(allow=[]).fetch(server.url("/photo.jpg"))
    assert server.seen == []


def test_an_allowed_network_lets_its_addresses_through(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    fetcher = make_fetcher(allow=["127.0.0.0/8"])
    assert fetch_photo(fetcher, server.url("/photo.jpg", host="127.0.0.1")).data == JPEG
    assert fetch_photo(fetcher, server.url("/photo.jpg", host="localhost")).data == JPEG


def test_we_connect_to_the_checked_address_and_keep_the_host_name(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    resolver = table_resolver({"photos.example": ["127.0.0.1"]})
    fetcher = make_fetcher(allow=["127.0.0.1"], resolver=resolver)
    photo = fetch_photo(fetcher, server.url("/photo.jpg", host="photos.example"))
    assert photo.data == JPEG
    assert server.seen[-1].headers["host"] == f"photos.example:{server.port}"


def test_a_name_with_one_bad_address_among_good_ones_is_blocked(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    resolver = table_resolver({"mixed.example": ["127.0.0.1", "10.1.2.3"]})
    with pytest.raises(PhotoBlocked, match=r"10\.1\.2\.3"):
        make_fetcher(allow=["127.0.0.1"], resolver=resolver).fetch(
            server.url("/photo.jpg", host="mixed.example")
        )
    assert server.seen == []


def test_dns_rebinding_cannot_switch_the_address_after_the_check(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    """A resolver answering "public" once and "private" after would beat a check-then-fetch
    guard; here each connection resolves once and connects to what it checked."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return next(answers)

    fetcher = make_fetcher(allow=["127.0.0.1"], resolver=rebinding)
    assert fetch_photo(fetcher, server.url("/photo.jpg", host="rebind.example")).data == JPEG
    assert lookups == ["rebind.example"]


@pytest.mark.parametrize("url", ["ftp://localhost/photo.jpg", "file:///etc/passwd"])
def test_only_web_addresses_are_fetched(make_fetcher: FetcherFactory, url: str) -> None:
    with pytest.raises(PhotoBlocked, match="only http:// and https://"):
        make_fetcher().fetch(url)


@pytest.mark.parametrize(
    "url", ["photo.jpg", "http:///photo.jpg", "http://localhost:99999/photo.jpg", "http://a\x00b/"]
)
def test_an_invalid_address_is_a_permanent_error(make_fetcher: FetcherFactory, url: str) -> None:
    with pytest.raises(InvalidPhotoUrl) as caught:
        make_fetcher().fetch(url)
    assert caught.value.permanent


def test_an_unknown_server_name_is_retried_later(make_fetcher: FetcherFactory) -> None:
    with pytest.raises(PhotoUnreachable, match="could not be found") as caught:
        make_fetcher().fetch("http://no-such-host.invalid/photo.jpg")
    assert not caught.value.permanent


def test_a_closed_port_is_retried_later(make_fetcher: FetcherFactory) -> None:
    with pytest.raises(PhotoUnreachable, match="Could not connect") as caught:
        make_fetcher(allow=["127.0.0.1"]).fetch("http://127.0.0.1:9/photo.jpg")
    assert not caught.value.permanent


# --- TLS to a pinned address ----------------------------------------------------------------


def test_https_verifies_the_certificate_for_the_host_name_not_the_ip(
    tls_server: PhotoServer,
    tls: tuple[ssl.SSLContext, ssl.SSLContext],
    make_fetcher: FetcherFactory,
) -> None:
    resolver = table_resolver({"photos.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    fetcher = make_fetcher(allow=["127.0.0.1"], resolver=resolver, ssl_context=tls[1])
    photo = fetch_photo(fetcher, tls_server.url("/photo.jpg", host="photos.example"))
    assert photo.data == JPEG
    with pytest.raises(PhotoUnreachable, match=r"other\.example"):
        fetcher.fetch(tls_server.url("/photo.jpg", host="other.example"))


# --- what comes back ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "what"),
    [("/error-page.jpg", "a web page"), ("/api.jpg", "JSON"), ("/empty.jpg", "an empty file")],
)
def test_something_that_is_not_a_photo_is_a_permanent_error(
    server: PhotoServer, make_fetcher: FetcherFactory, path: str, what: str
) -> None:
    with pytest.raises(PhotoNotAnImage, match=what) as caught:
        make_fetcher().fetch(server.url(path))
    assert caught.value.permanent
    assert server.url(path) in caught.value.message


def test_a_decompression_bomb_is_rejected_from_its_header(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoRejected, match="too many pixels") as caught:
        make_fetcher().fetch(server.url("/bomb.png"))
    assert caught.value.permanent


def test_a_photo_over_the_pixel_limit_is_rejected(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoRejected, match="megapixels"):
        make_fetcher(max_pixels=100_000).fetch(server.url("/photo.jpg"))


@pytest.mark.parametrize("path", ["/huge-declared.jpg", "/huge-undeclared.jpg"])
def test_a_photo_over_the_byte_limit_is_refused(
    server: PhotoServer, make_fetcher: FetcherFactory, path: str
) -> None:
    with pytest.raises(PhotoTooLarge) as caught:
        make_fetcher(max_bytes=BIG).fetch(server.url(path))
    assert caught.value.permanent
    assert "MiB limit" in caught.value.message


def test_the_declared_size_is_refused_before_reading(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoTooLarge, match=r"is 0\.5 MiB"):
        make_fetcher(max_bytes=BIG).fetch(server.url("/huge-declared.jpg"))


# --- status codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/gone.jpg", "/removed.jpg"])
def test_a_replaced_photo_is_not_found_for_good(
    server: PhotoServer, make_fetcher: FetcherFactory, path: str
) -> None:
    with pytest.raises(PhotoNotFound) as caught:
        make_fetcher().fetch(server.url(path))
    assert caught.value.permanent
    assert caught.value.url == server.url(path)
    assert "no longer exists" in caught.value.message


def test_a_busy_server_is_retried_after_what_it_asks(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoServerError) as caught:
        make_fetcher().fetch(server.url("/busy.jpg"))
    assert not caught.value.permanent
    assert caught.value.retry_after == 7.0
    assert "(503)" in caught.value.message


def test_retry_after_as_a_date_is_capped_at_a_day(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoServerError) as caught:
        make_fetcher().fetch(server.url("/busy-until.jpg"))
    assert caught.value.retry_after == 24 * 3600.0


def test_rate_limiting_is_transient(server: PhotoServer, make_fetcher: FetcherFactory) -> None:
    with pytest.raises(PhotoRateLimited) as caught:
        make_fetcher().fetch(server.url("/slow-down.jpg"))
    assert isinstance(caught.value, PhotoServerError)
    assert not caught.value.permanent
    assert caught.value.retry_after == 2.0


def test_a_server_error_without_retry_after_is_transient(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoServerError) as caught:
        make_fetcher().fetch(server.url("/broken.jpg"))
    assert not caught.value.permanent
    assert caught.value.retry_after is None


def test_forbidden_is_permanent(server: PhotoServer, make_fetcher: FetcherFactory) -> None:
    with pytest.raises(PhotoRefused, match=r"\(403\)") as caught:
        make_fetcher().fetch(server.url("/forbidden.jpg"))
    assert caught.value.permanent


# --- time -----------------------------------------------------------------------------------


def test_a_server_that_drips_past_the_deadline_times_out(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    fetcher = make_fetcher(deadline_s=0.3, read_timeout_s=2.0)
    with pytest.raises(PhotoTimeout, match=r"longer than 0\.3 s") as caught:
        fetcher.fetch(server.url("/drip.jpg"))
    assert not caught.value.permanent
    assert caught.value.url == server.url("/drip.jpg")


def test_a_server_that_does_not_answer_times_out(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    with pytest.raises(PhotoTimeout, match="did not answer in time"):
        make_fetcher(read_timeout_s=0.2).fetch(server.url("/slow-headers.jpg"))


def test_every_failure_is_a_photo_fetch_error_naming_the_url(
    server: PhotoServer, make_fetcher: FetcherFactory
) -> None:
    fetcher = make_fetcher()
    for path in ["/gone.jpg", "/busy.jpg", "/error-page.jpg", "/bomb.png", "/redirect/9"]:
        with pytest.raises(PhotoFetchError) as caught:
            fetcher.fetch(server.url(path))
        assert caught.value.url == server.url(path)
        assert server.url(path) in caught.value.message
