"""INTAKE_STORAGE values: a folder, `file:///…` or `s3://ACCESS:SECRET@host/bucket`, parsed without
touching disk or network, and the store each names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from core.errors import StorageError
from intake.persistence.storage import LocalStorage, S3Storage, Storage

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class S3Location:
    """An S3/MinIO bucket and how to reach it, as parsed from an `s3://` INTAKE_STORAGE value."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str = field(repr=False)
    secure: bool = False
    region: str | None = None


def storage_from_url(url: str) -> Storage:
    """Build the store named by INTAKE_STORAGE: a folder, `file:///…`, or `s3://K:S@host/bucket`."""
    location = parse_storage_url(url)
    if isinstance(location, Path):
        return LocalStorage(location)
    return S3Storage(
        endpoint=location.endpoint,
        bucket=location.bucket,
        access_key=location.access_key,
        secret_key=location.secret_key,
        secure=location.secure,
        region=location.region,
    )


def parse_storage_url(url: str) -> Path | S3Location:
    """Parse an INTAKE_STORAGE value without touching disk or network; raise StorageError."""
    value = (url or "").strip()
    if not value:
        raise StorageError("INTAKE_STORAGE 为空 / INTAKE_STORAGE is empty")
    if "://" not in value:
        return Path(value).expanduser()
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise StorageError(f"file 地址无效 / bad file URL in INTAKE_STORAGE: {value}")
        return Path(unquote(parts.path))
    if scheme == "s3":
        return _parse_s3_url(value)
    shown = f"{parts.scheme}://…" if parts.password else value
    raise StorageError(
        f"不支持的存储地址 / unsupported INTAKE_STORAGE {shown!r}: use a folder, file:/// or s3://"
    )


def _parse_s3_url(value: str) -> S3Location:
    parts = urlsplit(value)
    shown = value.replace(f":{parts.password}@", ":***@") if parts.password else value
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise StorageError(f"s3 地址端口无效 / bad port in INTAKE_STORAGE {shown}") from exc
    if not host or not parts.username or not parts.password:
        raise StorageError(
            f"s3 地址需要主机与访问密钥 / INTAKE_STORAGE {shown} needs s3://ACCESS:SECRET@host/bucket"
        )
    bucket = parts.path.strip("/")
    if not bucket or "/" in bucket:
        raise StorageError(
            f"s3 地址需要且只能有一个存储桶 / INTAKE_STORAGE {shown} needs one bucket"
        )
    query = parse_qs(parts.query, keep_blank_values=True)
    unknown = sorted(set(query) - {"secure", "region"})
    if unknown:
        raise StorageError(
            f"s3 地址参数未知 / unknown INTAKE_STORAGE parameters {unknown} in {shown}"
        )
    secure_text = query.get("secure", ["false"])[-1].lower()
    if secure_text not in _TRUE | _FALSE:
        raise StorageError(f"secure 只能是 true/false / bad secure={secure_text!r} in {shown}")
    endpoint = f"[{host}]" if ":" in host else host
    if port is not None:
        endpoint = f"{endpoint}:{port}"
    return S3Location(
        endpoint=endpoint,
        bucket=bucket,
        access_key=unquote(parts.username),
        secret_key=unquote(parts.password),
        secure=secure_text in _TRUE,
        region=query.get("region", [""])[-1] or None,
    )
