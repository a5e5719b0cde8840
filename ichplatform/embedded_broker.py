"""Helpers for the embedded (serverless) Celery broker: kombu's SQLAlchemy
transport over a SQLite file. Chosen over the filesystem transport because its
messages live in one transactional file (no half-written message files), and it
needs nothing beyond SQLAlchemy, which kombu already supports. See docs/deploy.md.
"""

import sqlite3


def sqlite_path(broker_url: str) -> str:
    return broker_url.split("sqlite:///", 1)[1]


def restore_invisible_messages(broker_url: str) -> int:
    """Set `visible` back on for messages delivered to a worker that died."""
    path = sqlite_path(broker_url)
    with sqlite3.connect(path, timeout=30) as conn:
        tables = {row[0] for row in conn.execute("select name from sqlite_master where type='table'")}
        if "kombu_message" not in tables:
            return 0
        cursor = conn.execute("update kombu_message set visible = 1 where visible = 0")
        return cursor.rowcount


def ping(broker_url: str) -> None:
    with sqlite3.connect(sqlite_path(broker_url), timeout=5) as conn:
        conn.execute("select 1")
