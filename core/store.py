"""The learner's work kept beyond one tab: runs, predictions, exercise attempts and progress, per learner, in a
database that every server process (and every replica) shares.

The one way in to the learner's data: pages and the session never write SQL and never hold a connection. It is
SQLAlchemy 2 (Core) over SQLite by default, a file in the user's data folder
($XDG_DATA_HOME/nn-ground-up/explorer.sqlite3, ~/.local/share/... by default, in WAL mode), or any database by
URL: $NN_GROUND_UP_DATABASE_URL, for example postgresql+psycopg://user:password@host/explorer for a class or
replicas. The schema comes from Alembic's migrations (core/migrations), applied when the store is first used.

A learner is known by a browser key (random, 192 bits; only its SHA-256 is kept, so the database alone does not
let anyone act as a learner), by a resume code the learner can type on another device (80 bits, also kept as a
hash), or by a sign-in account (the provider's issuer and subject). Every failure of the database surfaces as
`Unavailable` with a reason a learner can read; nothing here raises anything else of the database's.
"""

import contextlib
import datetime
import fcntl
import functools
import hashlib
import hmac
import os
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc

from core.curves import Curves
from core.runs import Run, curves_to_dict

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24): 192 bits
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread
CODE_LENGTH = 16  # 16 characters of 5 bits: 80 bits

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"})


def _learner_column(primary_key: bool = False) -> sa.Column:
    return sa.Column("learner_id", sa.String(32), sa.ForeignKey("learners.id", ondelete="CASCADE"),
                     primary_key=primary_key, index=not primary_key, nullable=False)


SEEN_EVERY = datetime.timedelta(hours=1)  # how often a returning learner's last visit is written


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _aware(moment: datetime.datetime) -> datetime.datetime:
    """A time read back from the database, in UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)


# The schema the latest migration makes (tests/test_store.py checks that they agree).
server = sa.Table("server", metadata,  # what every process of a deployment shares: the key that signs cookies
                  sa.Column("name", sa.String(40), primary_key=True),
                  sa.Column("value", sa.String(200), nullable=False))
learners = sa.Table(
    "learners", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("resume_hash", sa.String(64), nullable=True),
    sa.Column("subject", sa.String(600), nullable=True),  # sign-in: "<issuer> <subject>"
    sa.Index("uq_learners_resume_hash", "resume_hash", unique=True),
    sa.Index("uq_learners_subject", "subject", unique=True))
browser_keys = sa.Table(
    "browser_keys", metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    _learner_column(),
    sa.Column("created", sa.DateTime(timezone=True), nullable=False))
runs = sa.Table(
    "runs", metadata,
    _learner_column(primary_key=True),
    sa.Column("lesson", sa.String(60), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("curves", sa.JSON, nullable=False),
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("device", sa.String(40), nullable=False),
    sa.Column("pinned", sa.Boolean, nullable=False),
    sa.Column("created", sa.String(19), nullable=False),  # as Run.created: the learner's wall clock, shown as is
    sa.Column("origin", sa.String(32), nullable=True),  # the Train press it came from: kept once, by whichever of
    # the page and the server's own keeping of an ended run comes first
    sa.Index("uq_runs_learner_id_origin", "learner_id", "origin", unique=True))
predictions = sa.Table(  # every commitment, oldest first: the latest per checkpoint is the one in force
    "predictions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _learner_column(),
    sa.Column("lesson", sa.String(60), nullable=False),
    sa.Column("checkpoint", sa.String(100), nullable=False),
    sa.Column("answer", sa.JSON, nullable=True),  # null: skipped ("just show me"), or retracted (stale)
    sa.Column("asked", sa.Text, nullable=False),
    sa.Column("truth", sa.Text, nullable=True),
    sa.Column("correct", sa.Boolean, nullable=True),
    sa.Column("stale", sa.Boolean, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False))
attempts = sa.Table(  # every check of a learner's code
    "attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _learner_column(),
    sa.Column("lesson", sa.String(60), nullable=False),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # the likely mistake in words
    sa.Column("checks", sa.JSON, nullable=False),  # the verdict per tensor
    sa.Column("printed", sa.Text, nullable=False),
    sa.Column("trained", sa.JSON, nullable=True),  # when it passed: both curves, or why it could not train
    sa.Column("at", sa.DateTime(timezone=True), nullable=False))
progress = sa.Table(
    "progress", metadata,
    _learner_column(primary_key=True),
    sa.Column("lesson", sa.String(60), primary_key=True),
    sa.Column("item", sa.String(120), primary_key=True),  # "checkpoint:<id>" or "exercise:<id>"
    sa.Column("correct", sa.Boolean, nullable=False),  # done right, once (False: tried)
    sa.Column("at", sa.DateTime(timezone=True), nullable=False))


class Unavailable(RuntimeError):
    """The database did not answer or refused the write; the message says why, for the learner."""


def _reason(err: BaseException) -> str:
    """The database's own words, first line only (never the URL, which may hold a password)."""
    cause = getattr(err, "orig", None) or err
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return text[:200]


@dataclass
class Kept:
    """Everything the store has for one learner."""
    runs: dict[str, list[Run]] = field(default_factory=dict)  # lesson -> runs, by number
    predictions: dict[str, dict[str, dict]] = field(default_factory=dict)  # lesson -> checkpoint -> the latest row
    attempts: dict[str, dict[str, dict]] = field(default_factory=dict)  # lesson -> exercise -> the latest row
    progress: dict[str, dict[str, bool]] = field(default_factory=dict)


def enabled() -> bool:
    """Whether this server keeps learners' work ($NN_GROUND_UP_DATABASE_URL=off: each tab keeps its own only)."""
    return os.environ.get("NN_GROUND_UP_DATABASE_URL", "").strip().lower() != "off"


def default_url() -> str:
    """$NN_GROUND_UP_DATABASE_URL, else a SQLite file in the user's data folder (made private to the user)."""
    configured = os.environ.get("NN_GROUND_UP_DATABASE_URL", "").strip()
    if configured:
        return configured
    folder = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "nn-ground-up"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return f"sqlite:///{folder / 'explorer.sqlite3'}"


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> str:
    """A browser's learner key: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def valid_key(key: Any) -> bool:
    return isinstance(key, str) and KEY_PATTERN.fullmatch(key) is not None


def normal_code(typed: str) -> str | None:
    """A typed resume code in its one form (upper case, dashes, spaces and misreadable letters mended), or None
    when it cannot be one."""
    text = typed.upper().translate(str.maketrans("ILO", "110", " -\t\n"))[:CODE_LENGTH + 1]
    return text if len(text) == CODE_LENGTH and all(c in CODE_ALPHABET for c in text) else None


def curves_from_dict(raw: dict) -> Curves:
    return Curves(raw["values"], raw.get("diverged_at"), raw.get("step", "iteration"), raw.get("steps_per_epoch"),
                  raw.get("epoch_values", {}))


def _run_row(run: Run) -> dict:
    return {"lesson": run.lesson, "number": run.number, "settings": run.settings,
            "curves": {k: curves_to_dict(c) for k, c in run.curves.items()}, "metrics": run.metrics(),
            "status": run.status, "message": run.message, "seconds": run.seconds, "device": run.device,
            "pinned": run.pinned, "created": run.created}


def _run_from_row(row: Any) -> Run:
    return Run(row.number, row.lesson, dict(row.settings), {k: curves_from_dict(c) for k, c in row.curves.items()},
               row.status, row.message, row.seconds, row.device, row.pinned, row.created)


class Store:
    """The learners' data in one database. Thread-safe: one engine, a connection per call."""

    def __init__(self, url: str):
        self.url = sa.engine.make_url(url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        if self.sqlite:
            # The stdlib driver's own transactions begin on the first write, so two writers can each read and
            # then deadlock on the upgrade to a write lock ("database is locked" at once, whatever the timeout):
            # SQLAlchemy's documented recipe for pysqlite takes the write lock at BEGIN instead (BEGIN IMMEDIATE),
            # and waiting writers then queue behind the busy timeout.
            # Reads go through an engine of their own that begins as SQLite does by default (deferred): in WAL
            # mode they see a snapshot and never wait for a writer, so opening a page is not held up by a class's
            # runs being written.
            self.engine = self._sqlite_engine(url, "BEGIN IMMEDIATE")
            self.reader = self._sqlite_engine(url, "BEGIN")
        else:
            args = {"connect_timeout": 5} if self.url.get_backend_name() == "postgresql" else {}
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                                           connect_args=args)
            self.reader = self.engine
        self._migrated = threading.Lock()
        self.ready = False

    @staticmethod
    def _sqlite_engine(url: str, begin: str) -> sa.Engine:
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # transactions begin as `begin` says, below
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql(begin)

        return engine

    def dispose(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # ---- schema ----------------------------------------------------------------------------------------------

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to `revision` with Alembic, once per process and at most one process at a time."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._migrated, self._one_migrator():
            try:
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
            except exc.SQLAlchemyError as err:
                raise Unavailable(_reason(err)) from err
            self.ready = revision == "head"

    @contextlib.contextmanager
    def _one_migrator(self) -> Iterator[None]:
        """Serialise migrations across processes: a lock file beside a SQLite database, an advisory lock on
        PostgreSQL (replicas start together)."""
        if self.sqlite and self.url.database not in (None, "", ":memory:"):
            try:
                lock = open(f"{self.url.database}.migrate-lock", "w")  # noqa: SIM115 - held across the yield
            except OSError as err:
                raise Unavailable(f"{err.strerror}: {Path(self.url.database).parent}") from err
            with lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                yield
        elif self.url.get_backend_name() == "postgresql":
            try:
                with self.engine.connect() as connection:
                    connection.exec_driver_sql("SELECT pg_advisory_lock(727142)")
                    try:
                        yield
                    finally:
                        connection.exec_driver_sql("SELECT pg_advisory_unlock(727142)")
                        connection.commit()
            except exc.SQLAlchemyError as err:
                raise Unavailable(_reason(err)) from err
        else:
            yield

    def revision(self) -> str | None:
        """The revision the database is at (None: empty)."""
        from alembic.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextlib.contextmanager
    def _transaction(self, write: bool = True) -> Iterator[sa.Connection]:
        if not self.ready:
            self.migrate()
        try:
            with (self.engine if write else self.reader).begin() as connection:
                yield connection
        except exc.SQLAlchemyError as err:
            raise Unavailable(_reason(err)) from err

    # ---- learners --------------------------------------------------------------------------------------------

    def secret(self) -> bytes:
        """The key that signs this deployment's cookies, made once and shared through the database by every
        server process and replica ($NN_GROUND_UP_SECRET overrides it)."""
        configured = os.environ.get("NN_GROUND_UP_SECRET", "")
        if configured:
            return configured.encode()
        with self._transaction() as c:
            found = c.execute(sa.select(server.c.value).where(server.c.name == "cookie_secret")).scalar()
            if found is None:
                found = secrets.token_hex(32)
                c.execute(server.insert().values(name="cookie_secret", value=found))
        return found.encode()

    def learner_for_key(self, key: str) -> str:
        """The learner a browser key names; a key new to the store starts a new learner."""
        if not valid_key(key):
            raise ValueError("not a learner key")
        digest = hashed(key)
        with self._transaction(write=False) as c:  # a returning learner (most page opens): a read, unless their
            # last visit is over an hour old
            known = c.execute(sa.select(learners.c.id, learners.c.seen).join(browser_keys).where(
                browser_keys.c.key_hash == digest)).first()
        if known is not None and _aware(known.seen) > _now() - SEEN_EVERY:
            return known.id
        for attempt in range(2):
            try:
                with self._transaction() as c:
                    learner = c.execute(sa.select(browser_keys.c.learner_id)
                                        .where(browser_keys.c.key_hash == digest)).scalar()
                    if learner is None:
                        learner = secrets.token_hex(16)
                        c.execute(learners.insert().values(id=learner, created=_now(), seen=_now()))
                        c.execute(browser_keys.insert().values(key_hash=digest, learner_id=learner, created=_now()))
                    else:
                        c.execute(learners.update().where(learners.c.id == learner).values(seen=_now()))
                return learner
            except Unavailable as err:  # two tabs of a new browser opened at once: the other one made it
                if not isinstance(err.__cause__, exc.IntegrityError) or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def learner_for_subject(self, subject: str, key: str | None = None) -> str:
        """The learner of a sign-in account ("<issuer> <subject>"), made on the first sign-in. What the browser of
        key `key` did before signing in joins the account; the key keeps naming that browser's own (now empty)
        learner, so that after signing out the browser shows none of the account's work."""
        with self._transaction() as c:
            learner = c.execute(sa.select(learners.c.id).where(learners.c.subject == subject)).scalar()
            if learner is None:
                learner = secrets.token_hex(16)
                c.execute(learners.insert().values(id=learner, created=_now(), seen=_now(), subject=subject))
            else:
                c.execute(learners.update().where(learners.c.id == learner).values(seen=_now()))
            if key is not None and valid_key(key):
                before = c.execute(sa.select(browser_keys.c.learner_id)
                                   .where(browser_keys.c.key_hash == hashed(key))).scalar()
                if before is not None and before != learner:
                    self._merge(c, before, learner)
        return learner

    def new_resume_code(self, learner: str) -> str:
        """A new resume code for this learner (the previous one stops working), as XXXX-XXXX-XXXX-XXXX."""
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        with self._transaction() as c:
            c.execute(learners.update().where(learners.c.id == learner).values(resume_hash=hashed(code)))
        return "-".join(code[i:i + 4] for i in range(0, CODE_LENGTH, 4))

    def resume(self, typed: str, key: str) -> str | None:
        """The learner a typed resume code names, with this browser's key joined to it (the work this browser
        had joins theirs); None when it names no one. The code is looked up by its hash: a wrong code reveals
        nothing about a right one."""
        code = normal_code(typed)
        if code is None or not valid_key(key):
            return None
        with self._transaction() as c:
            learner = c.execute(sa.select(learners.c.id).where(learners.c.resume_hash == hashed(code))).scalar()
            if learner is not None:
                self._join_key(c, key, learner)
        return learner

    def _join_key(self, c: sa.Connection, key: str, learner: str) -> None:
        """Make `key` name `learner`, moving the work of the learner it named before (if another) into it."""
        digest = hashed(key)
        before = c.execute(sa.select(browser_keys.c.learner_id).where(browser_keys.c.key_hash == digest)).scalar()
        if before == learner:
            return
        if before is None:
            c.execute(browser_keys.insert().values(key_hash=digest, learner_id=learner, created=_now()))
            return
        self._merge(c, before, learner)
        c.execute(browser_keys.update().where(browser_keys.c.learner_id == before).values(learner_id=learner))
        if c.execute(sa.select(learners.c.subject).where(learners.c.id == before)).scalar() is None:
            c.execute(learners.delete().where(learners.c.id == before))  # an anonymous learner, now empty

    def _merge(self, c: sa.Connection, source: str, target: str) -> None:
        """Move every run, prediction, attempt and success of `source` to `target` (runs renumbered after the
        target's own)."""
        for lesson in c.execute(sa.select(runs.c.lesson).where(runs.c.learner_id == source).distinct()).scalars():
            top = c.execute(sa.select(sa.func.max(runs.c.number)).where(
                runs.c.learner_id == target, runs.c.lesson == lesson)).scalar() or 0
            moved = c.execute(sa.select(runs).where(runs.c.learner_id == source, runs.c.lesson == lesson)
                              .order_by(runs.c.number)).mappings().all()
            for i, row in enumerate(moved, start=1):
                c.execute(runs.insert().values({**row, "learner_id": target, "number": top + i}))
        c.execute(runs.delete().where(runs.c.learner_id == source))
        for table in (predictions, attempts):
            c.execute(table.update().where(table.c.learner_id == source).values(learner_id=target))
        for row in c.execute(sa.select(progress).where(progress.c.learner_id == source)).mappings().all():
            self._mark(c, target, row["lesson"], row["item"], row["correct"])
        c.execute(progress.delete().where(progress.c.learner_id == source))

    def forget(self, learner: str) -> None:
        """Delete every row of this learner: their runs, predictions, attempts, progress and browser keys."""
        with self._transaction() as c:
            for table in (runs, predictions, attempts, progress, browser_keys):
                c.execute(table.delete().where(table.c.learner_id == learner))
            c.execute(learners.delete().where(learners.c.id == learner))

    # ---- reading ----------------------------------------------------------------------------------------------

    def load(self, learner: str) -> Kept:
        kept = Kept()
        with self._transaction(write=False) as c:
            for row in c.execute(sa.select(runs).where(runs.c.learner_id == learner).order_by(runs.c.number)):
                kept.runs.setdefault(row.lesson, []).append(_run_from_row(row))
            for row in c.execute(sa.select(predictions).where(predictions.c.learner_id == learner)
                                 .order_by(predictions.c.id)).mappings():
                kept.predictions.setdefault(row["lesson"], {})[row["checkpoint"]] = dict(row)
            for row in c.execute(sa.select(attempts).where(attempts.c.learner_id == learner)
                                 .order_by(attempts.c.id)).mappings():
                kept.attempts.setdefault(row["lesson"], {})[row["exercise"]] = dict(row)
            for row in c.execute(sa.select(progress).where(progress.c.learner_id == learner)):
                kept.progress.setdefault(row.lesson, {})[row.item] = row.correct
        return kept

    def lesson_record(self, learner: str, lesson: str) -> dict[str, list[dict]]:
        """Every prediction and every exercise attempt of the learner on one lesson, oldest first, as plain data
        (what an export holds besides the runs and the progress)."""
        with self._transaction(write=False) as c:
            found = {"predictions": [], "attempts": []}
            for row in c.execute(sa.select(predictions).where(predictions.c.learner_id == learner,
                                                              predictions.c.lesson == lesson)
                                 .order_by(predictions.c.id)).mappings():
                found["predictions"].append({k: row[k] for k in ("checkpoint", "answer", "asked", "truth", "correct",
                                                                 "stale")} | {"at": row["at"].isoformat()})
            for row in c.execute(sa.select(attempts).where(attempts.c.learner_id == learner,
                                                           attempts.c.lesson == lesson)
                                 .order_by(attempts.c.id)).mappings():
                found["attempts"].append({k: row[k] for k in ("exercise", "code", "passed", "message", "checks")}
                                         | {"at": row["at"].isoformat()})
        return found

    def exists(self, learner: str) -> bool:
        with self._transaction(write=False) as c:
            return c.execute(sa.select(learners.c.id).where(learners.c.id == learner)).scalar() is not None

    # ---- writing: one method per change the session makes ------------------------------------------------------

    def save_run(self, learner: str, run: Run, origin: str | None = None, replace: bool = False) -> None:
        """Keep a new run. Its number becomes the next of its lesson if another tab of this learner has kept runs
        since (`run.number` is changed then): two tabs never overwrite each other's runs. A run from a Train
        press (`origin`, unique to it) is kept once: kept already, `run.number` becomes the number it has, and
        with `replace` this record replaces the kept one (a run's record while it trained, then its last)."""
        for attempt in range(5):
            try:
                with self._transaction() as c:
                    if origin is not None:
                        number = c.execute(sa.select(runs.c.number).where(
                            runs.c.learner_id == learner, runs.c.origin == origin)).scalar()
                        if number is not None:
                            run.number = number
                            if replace:
                                values = {k: v for k, v in _run_row(run).items() if k not in ("number", "pinned")}
                                c.execute(runs.update().where(runs.c.learner_id == learner,
                                                              runs.c.origin == origin).values(**values))
                            return
                    top = c.execute(sa.select(sa.func.max(runs.c.number)).where(
                        runs.c.learner_id == learner, runs.c.lesson == run.lesson)).scalar() or 0
                    run.number = max(run.number, top + 1)
                    c.execute(runs.insert().values(learner_id=learner, origin=origin, **_run_row(run)))
                return
            except Unavailable as err:  # two processes took the same number at once: take the next
                if not isinstance(err.__cause__, exc.IntegrityError) or attempt == 4:
                    raise

    def pin_run(self, learner: str, lesson: str, number: int, pinned: bool) -> None:
        with self._transaction() as c:
            c.execute(runs.update().where(runs.c.learner_id == learner, runs.c.lesson == lesson,
                                          runs.c.number == number).values(pinned=pinned))

    def delete_run(self, learner: str, lesson: str, number: int) -> None:
        with self._transaction() as c:
            c.execute(runs.delete().where(runs.c.learner_id == learner, runs.c.lesson == lesson,
                                          runs.c.number == number))

    def add_prediction(self, learner: str, lesson: str, checkpoint: str, answer: Any, asked: str,
                       stale: bool = False) -> None:
        with self._transaction() as c:
            c.execute(predictions.insert().values(learner_id=learner, lesson=lesson, checkpoint=checkpoint,
                                                  answer=answer, asked=asked, stale=stale, at=_now()))

    def judge_prediction(self, learner: str, lesson: str, checkpoint: str, truth: str, correct: bool | None) -> None:
        """Note the truth the latest prediction was shown against, and its first verdict."""
        with self._transaction() as c:
            latest = c.execute(sa.select(predictions.c.id, predictions.c.correct).where(
                predictions.c.learner_id == learner, predictions.c.lesson == lesson,
                predictions.c.checkpoint == checkpoint).order_by(predictions.c.id.desc()).limit(1)).first()
            if latest is None:
                return
            values = {"truth": truth} | ({"correct": correct} if latest.correct is None and correct is not None
                                         else {})
            c.execute(predictions.update().where(predictions.c.id == latest.id).values(**values))

    def add_attempt(self, learner: str, lesson: str, exercise: str, code: str, outcome: Any,
                    trained: Any = None) -> None:
        """Keep a check of the learner's code: `outcome` a core.exercises.check.Outcome, `trained` both curves
        or the reason it could not train."""
        if isinstance(trained, tuple):
            trained = [curves_to_dict(c) for c in trained]
        with self._transaction() as c:
            c.execute(attempts.insert().values(
                learner_id=learner, lesson=lesson, exercise=exercise, code=code, passed=bool(outcome.passed),
                message=outcome.message, checks=[asdict(check) for check in outcome.checks],
                printed=outcome.printed, trained=trained, at=_now()))

    def mark(self, learner: str, lesson: str, item: str, correct: bool) -> None:
        """An attempt at an item of the progress: a success stays a success."""
        with self._transaction() as c:
            self._mark(c, learner, lesson, item, correct)

    def _mark(self, c: sa.Connection, learner: str, lesson: str, item: str, correct: bool) -> None:
        where = (progress.c.learner_id == learner, progress.c.lesson == lesson, progress.c.item == item)
        before = c.execute(sa.select(progress.c.correct).where(*where)).first()
        if before is None:
            c.execute(progress.insert().values(learner_id=learner, lesson=lesson, item=item, correct=correct,
                                               at=_now()))
        elif correct and not before.correct:
            c.execute(progress.update().where(*where).values(correct=True, at=_now()))


def sign(key: str, secret: bytes) -> str:
    """The cookie's value for a key: the key and its HMAC, so a cookie this server did not issue is told apart."""
    return f"{key}.{hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:32]}"


def verify(cookie: str, secret: bytes) -> str | None:
    """The key a signed cookie holds, or None when it is malformed or its signature is not this server's
    (compared in constant time)."""
    key, _dot, mac = cookie.partition(".")
    if not valid_key(key) or len(mac) != 32:
        return None
    return key if hmac.compare_digest(sign(key, secret), cookie) else None


@functools.cache
def shared(url: str | None = None) -> Store:
    """This process's store for `url` (default: `default_url()`)."""
    return Store(url or default_url())
