"""Where uploaded originals and page images live: a local folder by default, S3/MinIO at scale."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from core.errors import ObjectNotFound, StorageError, UploadTooLarge

CHUNK_SIZE = 1024 * 1024
"""Bytes read from an upload stream at a time; the most any backend buffers per read."""

S3_PART_SIZE = 5 * 1024 * 1024
"""Multipart part size for S3 uploads of unknown length (the S3 minimum, to bound memory)."""

S3_PARALLEL_PARTS = 2
"""Parts uploaded at once; memory held by one S3 upload is about (this + 1) × S3_PART_SIZE."""

_KEY_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_MAX_KEY_LENGTH = 512
_MISSING_S3_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"})


@dataclass(frozen=True)
class StoredObject:
    """What the store holds after a successful write: its key, byte count and SHA-256 (hex)."""

    key: str
    size: int
    sha256: str


class Storage(Protocol):
    """A flat key → bytes store whose writes are streamed, hashed, size-capped and atomic."""

    def put_stream(
        self, key: str, stream: BinaryIO, max_bytes: int | None = None
    ) -> StoredObject: ...

    def put_bytes(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def size(self, key: str) -> int: ...

    def local_copy(self, key: str) -> contextlib.AbstractContextManager[Path]: ...

    def list_objects(self, prefix: str) -> Iterator[tuple[str, datetime]]: ...

    def modified(self, key: str) -> datetime: ...

    def remove_partial_writes(self, started_before: datetime) -> list[str]: ...


def validate_key(key: str) -> str:
    """Return `key` if it is a safe relative key (`a/b/c.pdf`), else raise StorageError."""
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        raise StorageError(f"存储键无效 / invalid storage key: {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", "..") or not _KEY_SEGMENT.fullmatch(segment):
            raise StorageError(
                f"存储键无效（只允许 A-Z a-z 0-9 . _ - 组成的相对路径）/ invalid storage key: {key!r}"
            )
    return key


class _HashingLimitedReader:
    """Wraps an upload stream: hashes and counts what is read, raises past `max_bytes`."""

    def __init__(self, stream: BinaryIO, max_bytes: int | None):
        self._stream = stream
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > CHUNK_SIZE:
            size = CHUNK_SIZE
        data = self._stream.read(size)
        if not data:
            return b""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise StorageError("上传数据不是二进制流 / upload stream must yield bytes")
        data = bytes(data)
        self.size += len(data)
        if self._max_bytes is not None and self.size > self._max_bytes:
            raise UploadTooLarge(self._max_bytes)
        self._digest.update(data)
        return data

    def stored(self, key: str) -> StoredObject:
        return StoredObject(key=key, size=self.size, sha256=self._digest.hexdigest())


class LocalStorage:
    """Objects as files under `root`; writes go to a hidden temp file, then `os.replace`."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"无法创建存储目录 / cannot create storage folder {self.root}: {exc}"
            ) from exc

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def put_stream(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        target = self._path(key)
        reader = _HashingLimitedReader(stream, max_bytes)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # "~" never occurs in a valid key, so no key can name a half-written temp file.
            handle = tempfile.NamedTemporaryFile(
                dir=target.parent,
                prefix=f".{target.name}{_TEMP_MARK}",
                suffix=".part",
                delete=False,
            )
        except OSError as exc:
            raise StorageError(f"无法写入存储 / cannot write {key}: {exc}") from exc
        temp_path = Path(handle.name)
        try:
            with handle:
                # Errors of the upload stream itself propagate unchanged; disk errors become
                # StorageError. Either way the temp file goes and the old object stays.
                while chunk := reader.read(CHUNK_SIZE):
                    with _disk_errors(key):
                        handle.write(chunk)
                with _disk_errors(key):
                    handle.flush()
                    os.fsync(handle.fileno())
            with _disk_errors(key):
                os.replace(temp_path, target)
        except BaseException:
            temp_path.unlink(missing_ok=True)
            raise
        _fsync_folder(target.parent)
        return reader.stored(key)

    def put_bytes(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        return self.put_stream(key, io.BytesIO(data))

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError) as exc:
            raise ObjectNotFound(f"存储中没有该文件 / no stored object {key}") from exc
        except OSError as exc:
            raise StorageError(f"无法读取存储 / cannot read {key}: {exc}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"无法删除 / cannot delete {key}: {exc}") from exc

    def size(self, key: str) -> int:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"存储中没有该文件 / no stored object {key}")
        return path.stat().st_size

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"存储中没有该文件 / no stored object {key}")
        yield path

    def list_objects(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every stored object under `prefix` (a folder, `originals/`) with its write time;
        half-written temp files are not objects."""
        folder = self.root.joinpath(*validate_key(prefix.rstrip("/")).split("/"))
        for path in folder.rglob("*") if folder.is_dir() else ():
            if path.name.startswith(".") and _TEMP_MARK in path.name:
                continue
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:  # deleted meanwhile
                continue
            if path.is_file():
                key = path.relative_to(self.root).as_posix()
                yield key, datetime.fromtimestamp(modified, UTC)

    def modified(self, key: str) -> datetime:
        try:
            return datetime.fromtimestamp(self._path(key).stat().st_mtime, UTC)
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"存储中没有该文件 / no stored object {key}") from exc

    def remove_partial_writes(self, started_before: datetime) -> list[str]:
        """Remove temp files of writes that stopped (a killed process's `.part`), last written
        before `started_before`; a write in flight keeps touching its file. Their names."""
        removed = []
        for path in self.root.rglob(f".*{_TEMP_MARK}*.part"):
            try:
                if datetime.fromtimestamp(path.stat().st_mtime, UTC) < started_before:
                    path.unlink()
                    removed.append(path.relative_to(self.root).as_posix())
            except FileNotFoundError:  # finished or removed meanwhile
                continue
            except OSError as exc:
                raise StorageError(f"无法删除 / cannot delete {path}: {exc}") from exc
        return removed


_TEMP_MARK = ".~"
"""What the name of a temp file of an unfinished write holds (`.<name>.~<random>.part`)."""


@contextlib.contextmanager
def _disk_errors(key: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageError(f"无法写入存储 / cannot write {key}: {exc}") from exc


def _fsync_folder(folder: Path) -> None:
    """Make a completed rename durable; best effort where folders cannot be opened."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _S3ResponseRaw(io.RawIOBase):
    """A streaming S3 GET body as a raw file; closing it returns the connection to the pool."""

    def __init__(self, response: urllib3.BaseHTTPResponse):
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._response.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


class S3Storage:
    """Objects in an S3/MinIO bucket; uploads stream as multipart and complete atomically."""

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        secure: bool = False,
        region: str | None = None,
    ):
        self.endpoint = endpoint
        self.bucket = bucket
        http_client = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=10, read=300),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(
                total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
            ),
        )
        try:
            self.client = Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=region,
                http_client=http_client,
            )
            if not self.client.bucket_exists(bucket_name=bucket):
                self._make_bucket(region)
        except (MinioException, ValueError, urllib3.exceptions.HTTPError) as exc:
            raise StorageError(
                f"无法连接对象存储 / cannot use bucket {bucket!r} at {endpoint}: {exc}"
            ) from exc

    def _make_bucket(self, region: str | None) -> None:
        try:
            self.client.make_bucket(bucket_name=self.bucket, location=region)
        except S3Error as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    def _failure(self, action: str, key: str, exc: Exception) -> StorageError:
        if isinstance(exc, S3Error) and exc.code in _MISSING_S3_CODES:
            return ObjectNotFound(f"存储中没有该文件 / no stored object {key}")
        return StorageError(f"对象存储{action}失败 / cannot {action} {key}: {exc}")

    def put_stream(self, key: str, stream: BinaryIO, max_bytes: int | None = None) -> StoredObject:
        validate_key(key)
        reader = _HashingLimitedReader(stream, max_bytes)
        # A PUT or a completed multipart upload replaces the object atomically; a reader
        # that raises (UploadTooLarge, a broken client stream) makes minio abort the
        # multipart upload, so the old object, if any, stays as it was.
        try:
            self.client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=reader,  # type: ignore[arg-type]
                length=-1,
                part_size=S3_PART_SIZE,
                num_parallel_uploads=S3_PARALLEL_PARTS,
            )
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("写入", key, exc) from exc
        return reader.stored(key)

    def put_bytes(
        self, key: str, data: bytes, content_type: str = "application/octet-stream"
    ) -> StoredObject:
        validate_key(key)
        try:
            self.client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                content_type=content_type,
            )
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("写入", key, exc) from exc
        return StoredObject(key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        try:
            response = self.client.get_object(bucket_name=self.bucket, object_name=key)
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("读取", key, exc) from exc
        return io.BufferedReader(_S3ResponseRaw(response), buffer_size=CHUNK_SIZE)

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        validate_key(key)
        try:
            self.client.remove_object(bucket_name=self.bucket, object_name=key)
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("删除", key, exc) from exc

    def size(self, key: str) -> int:
        validate_key(key)
        try:
            stat = self.client.stat_object(bucket_name=self.bucket, object_name=key)
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("读取", key, exc) from exc
        return int(stat.size or 0)

    def list_objects(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """Every object under `prefix` with its last-modified time."""
        validate_key(prefix.rstrip("/"))
        try:
            for obj in self.client.list_objects(
                bucket_name=self.bucket, prefix=prefix, recursive=True
            ):
                if obj.object_name and not obj.is_dir and obj.last_modified is not None:
                    yield obj.object_name, obj.last_modified
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("列出", prefix, exc) from exc

    def modified(self, key: str) -> datetime:
        validate_key(key)
        try:
            stat = self.client.stat_object(bucket_name=self.bucket, object_name=key)
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("读取", key, exc) from exc
        if stat.last_modified is None:
            raise StorageError(f"对象存储未给出修改时间 / no last-modified for {key}")
        return stat.last_modified

    def remove_partial_writes(self, started_before: datetime) -> list[str]:
        """Abort multipart uploads begun before `started_before` and never completed (their
        writer was killed): the bucket's equivalent of a stale `.part`. Their keys.

        minio 7 has no public call for this; its ListMultipartUploads and
        AbortMultipartUpload requests are used directly."""
        removed: list[str] = []
        marker: str | None = None
        try:
            while True:
                listing = self.client._list_multipart_uploads(  # noqa: SLF001
                    bucket_name=self.bucket, key_marker=marker
                )
                for upload in listing.uploads:
                    started = upload.initiated_time
                    if started is not None and started < started_before and upload.upload_id:
                        self.client._abort_multipart_upload(  # noqa: SLF001
                            self.bucket, upload.object_name, upload.upload_id
                        )
                        removed.append(upload.object_name)
                if not listing.is_truncated or not listing.next_key_marker:
                    return removed
                if listing.next_key_marker == marker:
                    return removed
                marker = listing.next_key_marker
        except (MinioException, urllib3.exceptions.HTTPError) as exc:
            raise self._failure("清理", "(multipart uploads)", exc) from exc

    @contextlib.contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        validate_key(key)
        folder = Path(tempfile.mkdtemp(prefix="intake-s3-"))
        try:
            path = folder / key.rsplit("/", 1)[-1]
            try:
                with self.open(key) as source, path.open("wb") as target:
                    shutil.copyfileobj(source, target, CHUNK_SIZE)
            except (OSError, urllib3.exceptions.HTTPError) as exc:
                raise self._failure("下载", key, exc) from exc
            yield path
        finally:
            shutil.rmtree(folder, ignore_errors=True)
