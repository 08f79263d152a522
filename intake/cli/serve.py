"""What `intake serve`, `intake worker`, `intake users` and `intake db upgrade` do."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from core.errors import UsageError


def _settings():
    from core.settings import get_settings

    try:
        return get_settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise UsageError(f"INTAKE_* 设置有误：{exc}") from None


def add_arguments(sub) -> None:
    """The service's subcommands on the `intake` parser."""
    serve = sub.add_parser("serve", help="run the HTTP service (applies migrations first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="service processes (default: one per CPU core this process may use)",
    )

    worker = sub.add_parser("worker", help="run a Celery worker for INTAKE_QUEUE=celery")
    worker.add_argument("--pool", choices=["solo", "prefork", "threads"], default="solo")
    worker.add_argument("--concurrency", type=int, default=1)
    worker.add_argument("--loglevel", default="INFO")

    users = sub.add_parser("users", help="manage accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="create an account and print its API token")
    add.add_argument("name")
    add.add_argument("--role", choices=["clerk", "reviewer", "admin"], required=True)
    add.add_argument("--bureau", help="a clerk's bureau code, e.g. 320500")
    add.add_argument(
        "--password", action="store_true", help="also set a password for the pages (prompted)"
    )
    users_sub.add_parser("list", help="every account: role, bureau, active, token expiry")
    for command, text in (
        ("deactivate", "stop an account (its token and sessions fail from the next request)"),
        ("activate", "let a deactivated account work again"),
        ("reset-password", "set a new password (read like `add --password`); signs it out"),
        ("rotate-token", "print a new API token; the old one stops working"),
        ("revoke-token", "the API token stops working"),
        ("unlock", "lift a sign-in lockout after too many wrong passwords"),
    ):
        one = users_sub.add_parser(command, help=text)
        one.add_argument("name")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply the migrations")

    bench = sub.add_parser(
        "bench-service", help="service benchmarks: list latency, upload memory, workers"
    )
    bench.add_argument(
        "args", nargs=argparse.REMAINDER, help="see `intake bench-service -- --help`"
    )


def run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve(args.host, args.port, args.workers)
    if args.command == "worker":
        from intake.jobs.celery_app import run_worker

        run_worker(args.concurrency, args.pool, args.loglevel)
        return 0
    if args.command == "users":
        if args.users_command == "add":
            return add_user(args.name, args.role, args.bureau, args.password)
        from intake.cli.accounts import manage

        return manage(args.users_command, getattr(args, "name", None), _settings, _read_password)
    if args.command == "db":
        return db_upgrade()
    if args.command == "bench-service":
        from intake.cli.source_tools import source_tool

        rest = args.args[1:] if args.args and args.args[0] == "--" else args.args
        return source_tool("tools.service_bench").main(rest)
    raise UsageError(f"未知命令：{args.command}")


def db_upgrade() -> int:
    from intake.persistence.database import upgrade

    settings = _settings()
    upgrade(settings.effective_database_url)
    print(f"数据库已是最新结构：{_display(settings.effective_database_url)}")
    return 0


def _display(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cpu_cores() -> int:
    """The CPU cores this process may run on (its affinity; all of them where unknown)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def serve(host: str, port: int, workers: int | None) -> int:
    import uvicorn

    from intake.persistence.database import upgrade

    settings = _settings()
    workers = cpu_cores() if workers is None else workers
    if workers < 1:
        raise UsageError("--workers 至少为 1")
    upgrade(settings.effective_database_url)
    # The processes learn how many they are (the orphan sweep is careful when not alone).
    os.environ["INTAKE_SERVICE_PROCESSES"] = str(workers)
    print(
        f"intake 服务：http://{host}:{port}/docs  数据库 {_display(settings.effective_database_url)}"
        f"  队列 {settings.queue}  服务进程 {workers}",
        file=sys.stderr,
    )
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码（至少 8 个字符）：")
        if getpass.getpass("再输入一次：") != first:
            raise UsageError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\n")


def add_user(name: str, role: str, bureau: str | None, with_password: bool) -> int:
    from intake.persistence.database import Database, upgrade
    from intake.service.accounts import create_user

    settings = _settings()
    password = _read_password() if with_password else None
    upgrade(settings.effective_database_url)
    db = Database(settings.effective_database_url)
    try:
        with db.session(write=True) as session:
            created = create_user(
                session, name, role, bureau, password, token_days=settings.token_days
            )
            user_id = created.user.id
    finally:
        db.dispose()
    where = f"，受理单位 {bureau}" if bureau else ""
    print(
        f"已创建用户 {name}（{role}{where}，编号 {user_id}）。API 令牌只显示这一次：",
        file=sys.stderr,
    )
    print(created.token)
    return 0
