"""File storage: one suite run against the local folder and an in-process moto S3 server."""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from intake.jobs.orphans import Swept, sweep_orphans
from intake.persistence.database import Database, upgrade
from intake.persistence.records import (
    DocumentRecord,
    FilingRecord,
    ImportRecord,
    PageRecord,
    utcnow,
)
from intake.persistence.storage import (
    CHUNK_SIZE,
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    Storage,
    StorageError,
    StoredObject,
    UploadTooLarge,
)
from intake.persistence.storage_url import S3Location, parse_storage_url, storage_from_url

MiB = 1024 * 1024
KEY = "filings/2021-F-0001/licence.pdf"
_PATTERN = random.Random(20210601).randbytes(1_000_003)  # a prime length: chunks never align


def pattern_bytes(start: int, length: int) -> bytes:
    """Bytes `start … start+length` of an endless, deterministic upload body."""
    offset = start % len(_PATTERN)
    pieces = []
    while length > 0:
        piece = _PATTERN[offset : offset + length]
        pieces.append(piece)
        length -= len(piece)
        offset = 0
    return b"".join(pieces)


def pattern_sha256(total: int) -> str:
    digest = hashlib.sha256()
    for start in range(0, total, 3 * MiB):
        digest.update(pattern_bytes(start, min(3 * MiB, total - start)))
    return digest.hexdigest()


class GeneratedStream:
    """An upload body made on the fly; refuses reads that would pull it into memory whole."""

    def __init__(
        self,
        total: int,
        *,
        fail_after: int | None = None,
        on_read: Callable[[int], None] | None = None,
    ):
        self.total = total
        self.sent = 0
        self.fail_after = fail_after
        self.on_read = on_read

    def read(self, size: int = -1) -> bytes:
        assert 0 < size <= 8 * MiB, f"storage asked for read({size}); uploads must be chunked"
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise ConnectionResetError("client went away mid-upload")
        if self.on_read is not None:
            self.on_read(self.sent)
        data = pattern_bytes(self.sent, min(size, self.total - self.sent))
        self.sent += len(data)
        return data


def sha256_of(stream) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


@dataclass
class Backend:
    """A store under test and a way to list half-written leftovers it must never keep."""

    name: str
    storage: Storage
    leftovers: Callable[[], list[str]]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    yield f"{host}:{port}"
    server.stop()


def _s3_backend(endpoint: str) -> Backend:
    bucket = f"intake-test-{uuid.uuid4().hex[:12]}"
    storage = S3Storage(endpoint, bucket, "testing", "testing", secure=False, region="us-east-1")
    admin = boto3.client(
        "s3",
        endpoint_url=f"http://{endpoint}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )

    def open_multipart_uploads() -> list[str]:
        listing = admin.list_multipart_uploads(Bucket=bucket)
        return [upload["Key"] for upload in listing.get("Uploads", [])]

    return Backend("s3", storage, open_multipart_uploads)


def _local_backend(root: Path) -> Backend:
    storage = LocalStorage(root)

    def temp_files() -> list[str]:
        return [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "~" in p.name]

    return Backend("local", storage, temp_files)


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "local":
        return _local_backend(tmp_path / "files")
    return _s3_backend(request.getfixturevalue("moto_endpoint"))


# --- writing and reading ---------------------------------------------------------------


def test_round_trip_of_a_5_mb_stream(backend: Backend) -> None:
    data = random.Random(5).randbytes(5 * 1000 * 1000)
    stored = backend.storage.put_stream(KEY, io.BytesIO(data))
    assert stored == StoredObject(KEY, len(data), hashlib.sha256(data).hexdigest())
    assert backend.storage.exists(KEY)
    assert backend.storage.size(KEY) == len(data)
    with backend.storage.open(KEY) as stream:
        assert stream.read() == data
    assert backend.leftovers() == []


def test_upload_of_exactly_the_limit_is_accepted(backend: Backend) -> None:
    stored = backend.storage.put_stream(KEY, GeneratedStream(2 * MiB), max_bytes=2 * MiB)
    assert stored.size == 2 * MiB
    assert stored.sha256 == pattern_sha256(2 * MiB)


def test_put_bytes_and_delete(backend: Backend) -> None:
    key = "pages/2021-F-0001/licence/p001.png"
    stored = backend.storage.put_bytes(key, b"\x89PNG fake page", content_type="image/png")
    assert stored == StoredObject(key, 14, hashlib.sha256(b"\x89PNG fake page").hexdigest())
    with backend.storage.open(key) as stream:
        assert stream.read() == b"\x89PNG fake page"
    if isinstance(backend.storage, S3Storage):
        stat = backend.storage.client.stat_object(backend.storage.bucket, key)
        assert stat.content_type == "image/png"
    backend.storage.delete(key)
    assert not backend.storage.exists(key)
    backend.storage.delete(key)  # deleting what is gone is not an error
    with pytest.raises(ObjectNotFound):
        backend.storage.size(key)
    with pytest.raises(ObjectNotFound):
        backend.storage.open(key)


def test_overwrite_replaces_the_object(backend: Backend) -> None:
    backend.storage.put_bytes(KEY, b"first version")
    stored = backend.storage.put_stream(KEY, io.BytesIO(b"second"))
    assert stored.size == 6
    with backend.storage.open(KEY) as stream:
        assert stream.read() == b"second"


# --- failed uploads leave nothing behind and change nothing -----------------------------


@pytest.mark.parametrize(
    ("upload_bytes", "limit"),
    [(2 * MiB, 1 * MiB), (12 * MiB, 7 * MiB)],
    ids=["single-part", "multipart"],
)
def test_upload_too_large_stores_nothing(backend: Backend, upload_bytes: int, limit: int) -> None:
    fresh_key = "filings/2021-F-0001/report.pdf"
    with pytest.raises(UploadTooLarge) as caught:
        backend.storage.put_stream(fresh_key, GeneratedStream(upload_bytes), max_bytes=limit)
    assert caught.value.code == "upload_too_large"
    assert caught.value.http_status == 413 and not caught.value.transient
    assert f"{limit // MiB} MB" in caught.value.message and "上限" in caught.value.message
    assert not backend.storage.exists(fresh_key)
    assert backend.leftovers() == []


def test_upload_too_large_keeps_the_existing_object(backend: Backend) -> None:
    old = backend.storage.put_bytes(KEY, b"the original licence scan")
    with pytest.raises(UploadTooLarge):
        backend.storage.put_stream(KEY, GeneratedStream(12 * MiB), max_bytes=6 * MiB)
    with backend.storage.open(KEY) as stream:
        assert stream.read() == b"the original licence scan"
    assert backend.storage.size(KEY) == old.size
    assert backend.leftovers() == []


def test_broken_client_stream_propagates_and_keeps_the_existing_object(backend: Backend) -> None:
    backend.storage.put_bytes(KEY, b"kept")
    with pytest.raises(ConnectionResetError):
        backend.storage.put_stream(KEY, GeneratedStream(20 * MiB, fail_after=11 * MiB))
    with backend.storage.open(KEY) as stream:
        assert stream.read() == b"kept"
    assert backend.leftovers() == []


def test_readers_never_see_a_half_written_object(backend: Backend) -> None:
    backend.storage.put_bytes(KEY, b"old")
    seen: list[bytes] = []
    probes = [0, 6 * MiB, 11 * MiB]  # before, and after one and two S3 parts were sent

    def look_while_uploading(sent: int) -> None:
        if probes and sent >= probes[0]:
            probes.pop(0)
            with backend.storage.open(KEY) as stream:
                seen.append(stream.read())

    stored = backend.storage.put_stream(
        KEY, GeneratedStream(12 * MiB, on_read=look_while_uploading)
    )
    assert seen == [b"old", b"old", b"old"]
    assert backend.storage.size(KEY) == stored.size == 12 * MiB
    assert sha256_of(backend.storage.open(KEY)) == (12 * MiB, pattern_sha256(12 * MiB))


# --- streaming -------------------------------------------------------------------------


def test_multipart_upload_of_12_mb_is_correct(backend: Backend) -> None:
    total = 12 * MiB + 12345
    stored = backend.storage.put_stream(KEY, GeneratedStream(total), max_bytes=20 * MiB)
    expected = pattern_sha256(total)
    assert stored == StoredObject(KEY, total, expected)
    assert sha256_of(backend.storage.open(KEY)) == (total, expected)
    if isinstance(backend.storage, S3Storage):  # S3 marks multipart ETags with "-<parts>"
        etag = backend.storage.client.stat_object(backend.storage.bucket, KEY).etag
        assert etag.endswith("-3")


MEMORY_PROBE = """
import sys, tracemalloc
from pathlib import Path
from intake.persistence.storage import LocalStorage
from tests.test_storage import KEY, MiB, GeneratedStream
storage = LocalStorage(Path(sys.argv[1]))
tracemalloc.start()
before, _ = tracemalloc.get_traced_memory()
tracemalloc.reset_peak()
stored = storage.put_stream(KEY, GeneratedStream(50 * MiB), max_bytes=60 * MiB)
_, peak = tracemalloc.get_traced_memory()
print(peak - before, stored.size, stored.sha256)
"""


def test_local_50_mb_upload_streams_in_bounded_memory(tmp_path: Path) -> None:
    """Measured in a process of its own: other tests' threads (the S3 server) allocate too."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(tmp_path / "files")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    growth, size, sha = result.stdout.split()
    growth_mib = int(growth) / MiB
    print(f"local 50 MiB upload: peak traced Python memory growth {growth_mib:.2f} MiB")
    assert growth_mib < 8, f"memory grew by {growth_mib:.1f} MiB while storing 50 MiB"
    assert (int(size), sha) == (50 * MiB, pattern_sha256(50 * MiB))
    assert (tmp_path / "files" / KEY).stat().st_size == 50 * MiB


# --- local copies ----------------------------------------------------------------------


def test_local_copy_gives_the_bytes(backend: Backend) -> None:
    data = random.Random(7).randbytes(3 * MiB + 1)
    backend.storage.put_bytes(KEY, data)
    with backend.storage.local_copy(KEY) as path:
        assert path.read_bytes() == data
        assert path.name == "licence.pdf"
    if backend.name == "s3":
        assert not path.exists() and not path.parent.exists()
    else:
        assert path.exists()  # the stored file itself, not a copy
    with pytest.raises(ObjectNotFound), backend.storage.local_copy("filings/none.pdf"):
        pass


# --- keys ------------------------------------------------------------------------------

BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside.pdf",
    "filings/../../outside.pdf",
    "filings//a.pdf",
    "filings/",
    "./a.pdf",
    "filings/./a.pdf",
    "a b.pdf",
    "营业执照.pdf",
    "a\\b.pdf",
    "a:b",
    "a~b.part",
    "x" * 600,
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused(backend: Backend, key: str) -> None:
    storage = backend.storage
    calls: list[Callable[[], object]] = [
        lambda: storage.put_stream(key, io.BytesIO(b"x")),
        lambda: storage.put_bytes(key, b"x"),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.size(key),
        lambda: storage.local_copy(key).__enter__(),
    ]
    for call in calls:
        with pytest.raises(StorageError, match="invalid storage key"):
            call()
    assert backend.leftovers() == []


def test_good_keys_are_accepted(backend: Backend) -> None:
    for key in ("a", "filings/2021/F-0001/original.v1.pdf", "pages/x_y/p-001.png", ".hidden"):
        backend.storage.put_bytes(key, key.encode())
        assert backend.storage.size(key) == len(key)


# --- INTAKE_STORAGE values -------------------------------------------------------------


def test_parse_folder_values() -> None:
    assert parse_storage_url("/var/lib/intake/files") == Path("/var/lib/intake/files")
    assert parse_storage_url("file:///var/lib/intake/files") == Path("/var/lib/intake/files")
    assert parse_storage_url("file://localhost/srv/a%20b") == Path("/srv/a b")
    assert parse_storage_url(" relative/files ") == Path("relative/files")


def test_parse_s3_value_decodes_credentials() -> None:
    location = parse_storage_url(
        "s3://AK%2F01:s%40cr%2Bt+x@minio.internal:9000/intake-files?secure=true&region=cn-east-1"
    )
    assert location == S3Location(
        endpoint="minio.internal:9000",
        bucket="intake-files",
        access_key="AK/01",
        secret_key="s@cr+t+x",
        secure=True,
        region="cn-east-1",
    )
    assert "s@cr" not in repr(location)
    plain = parse_storage_url("s3://a:b@storage.example/bucket")
    assert (plain.endpoint, plain.secure, plain.region) == ("storage.example", False, None)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ftp://files.example/intake",
        "s3://storage.example/bucket",
        "s3://a:topsecret@storage.example/",
        "s3://a:topsecret@storage.example/bucket/nested",
        "s3://a:topsecret@storage.example/bucket?secure=maybe",
        "s3://a:topsecret@storage.example/bucket?acl=public",
        "s3://a:topsecret@storage.example:99999/bucket",
        "file://otherhost/srv/files",
    ],
)
def test_bad_storage_values_are_refused(value: str) -> None:
    with pytest.raises(StorageError) as caught:
        storage_from_url(value)
    assert "topsecret" not in caught.value.message
    if value.startswith("ftp"):
        assert value in caught.value.message


def test_storage_from_url_builds_both_backends(tmp_path: Path, moto_endpoint: str) -> None:
    local = storage_from_url(f"file://{tmp_path}/files")
    assert isinstance(local, LocalStorage) and (tmp_path / "files").is_dir()
    assert isinstance(storage_from_url(str(tmp_path / "other")), LocalStorage)

    bucket = f"from-url-{uuid.uuid4().hex[:8]}"
    s3 = storage_from_url(f"s3://testing:testing@{moto_endpoint}/{bucket}?region=us-east-1")
    assert isinstance(s3, S3Storage) and s3.bucket == bucket
    s3.put_bytes("probe.txt", b"ok")
    assert s3.exists("probe.txt")


def test_unreachable_s3_endpoint_is_a_storage_error() -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(StorageError, match=f"127.0.0.1:{port}"):
        S3Storage(f"127.0.0.1:{port}", "intake", "testing", "testing", region="us-east-1")


# --- orphans ------------------------------------------------------------------------------


def _database_with_rows(root: Path, keys: dict[str, str]) -> Database:
    """A migrated SQLite database whose document, page and import rows hold `keys`."""
    url = f"sqlite:///{root / 'intake.db'}"
    upgrade(url)
    db = Database(url)
    now = utcnow()
    with db.session(write=True) as session:
        session.add(
            FilingRecord(
                id="JS-320500-O1",
                campaign="jiangsu-2021-first-edition",
                bureau="320500",
                applicant_name="a",
                credit_code="c",
                credit_code_key="c",
                name_key="a",
                product_name="p",
                data={},
            )
        )
        session.flush()
        document = DocumentRecord(
            filing_id="JS-320500-O1",
            sha256="0" * 64,
            source="a.pdf",
            storage_key=keys["document"],
            size=1,
            content_type="pdf",
        )
        session.add(document)
        session.flush()
        session.add(
            PageRecord(document_id=document.id, index=0, kind="other", image_key=keys["page"])
        )
        session.add(
            ImportRecord(
                user_name="clerk",
                role="clerk",
                source="t.csv",
                campaign="jiangsu-2021-first-edition",
                storage_key=keys["import"],
                size=1,
                sha256="0" * 64,
                created_at=now,
                updated_at=now,
            )
        )
    return db


def _leave_unfinished_write(backend: Backend, key: str) -> None:
    """What a writer killed mid-upload leaves: a `.part` file, or a multipart upload that was
    begun and never completed."""
    storage = backend.storage
    if isinstance(storage, LocalStorage):
        target = storage.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / f".{target.name}.~k1ll3d.part").write_bytes(b"x" * 1000)
        return
    admin = boto3.client(
        "s3",
        endpoint_url=f"http://{storage.endpoint}",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    upload = admin.create_multipart_upload(Bucket=storage.bucket, Key=key)
    admin.upload_part(
        Bucket=storage.bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 1000
    )


def test_files_without_a_row_are_swept_and_files_with_rows_survive(
    backend: Backend, tmp_path: Path
) -> None:
    """The issue's kill -9 mid-upload: a stored original with no row and an unfinished write."""
    held = {
        "document": "originals/F-1/held.pdf",
        "page": "pages/1/0.jpg",
        "import": "imports/t.csv",
    }
    db = _database_with_rows(tmp_path, held)
    orphans = {"originals/F-1/orphan.pdf", "pages/1/1.jpg", "pages/9/0.jpg", "imports/u.xlsx"}
    foreign = "backups/not-ours.bin"  # outside the folders the service writes
    for key in {*held.values(), *orphans, foreign}:
        backend.storage.put_bytes(key, b"stored")
    _leave_unfinished_write(backend, "originals/F-1/cut-off.pdf")
    assert backend.leftovers()
    # Nothing is older than the grace period yet: nothing goes (but moto dates every
    # multipart upload 2010-11-10, so there the unfinished one is old already).
    young = sweep_orphans(db, backend.storage, timedelta(hours=1))
    assert young.objects == [] and len(young.partial) == (backend.name == "s3")
    later = utcnow() + timedelta(hours=2)
    swept = sweep_orphans(db, backend.storage, timedelta(hours=1), now=later)
    assert set(swept.objects) == orphans and len(young.partial + swept.partial) == 1
    assert all(backend.storage.exists(key) for key in {*held.values(), foreign})
    assert not any(backend.storage.exists(key) for key in orphans)
    assert backend.leftovers() == []
    assert sweep_orphans(db, backend.storage, timedelta(hours=1), now=later) == Swept()
    db.dispose()


def test_a_write_in_flight_and_a_file_just_stored_are_not_swept(tmp_path: Path) -> None:
    root = tmp_path / "files"
    storage = LocalStorage(root)
    db = _database_with_rows(tmp_path, {"document": "d", "page": "p", "import": "i"})
    hour_ago = time.time() - 3700
    for key, age in (("originals/F/old.pdf", hour_ago), ("originals/F/new.pdf", None)):
        storage.put_bytes(key, b"x")
        if age:
            os.utime(root / key, (age, age))
    stale, live = root / "originals/F/.a.pdf.~x1.part", root / "originals/F/.b.pdf.~x2.part"
    stale.write_bytes(b"x")
    live.write_bytes(b"x")  # an upload still streaming keeps touching its temp file
    os.utime(stale, (hour_ago, hour_ago))
    swept = sweep_orphans(db, storage, timedelta(hours=1))
    assert swept.objects == ["originals/F/old.pdf"] and swept.partial == [
        "originals/F/.a.pdf.~x1.part"
    ]
    assert storage.exists("originals/F/new.pdf") and live.exists() and not stale.exists()
    # A file listed as old but written again before its turn (a page read again) is kept.
    storage.put_bytes("pages/5/0.jpg", b"x")
    os.utime(root / "pages/5/0.jpg", (hour_ago, hour_ago))
    listed = list(storage.list_objects("pages/"))
    storage.put_bytes("pages/5/0.jpg", b"y")
    real_list = storage.list_objects
    storage.list_objects = lambda prefix: iter(listed) if prefix == "pages/" else real_list(prefix)
    assert sweep_orphans(db, storage, timedelta(hours=1)).objects == []
    assert storage.exists("pages/5/0.jpg")
    db.dispose()
