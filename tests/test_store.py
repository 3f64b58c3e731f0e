"""The store of the learners' work (core/store.py), on SQLite and on a real PostgreSQL server."""

import itertools
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from postgres import free_port

from core import store
from core.curves import Curves
from core.exercises.check import Outcome, TensorCheck
from core.runs import Run

KEY_A, KEY_B = "A" * 31 + "a", "b" * 31 + "B"
NUMBERS = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'explorer.sqlite3'}"
    server = request.getfixturevalue("postgres")
    name = f"t{next(NUMBERS)}_{threading.get_ident() % 100000}_{tmp_path.name[-8:].lower().replace('-', '_')}"
    admin = sa.create_engine(server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def kept(url):
    found = store.Store(url)
    yield found
    found.dispose()


def a_run(lesson: str = "mlp", number: int = 1, lr: float = 0.1) -> Run:
    curves = {"scratch": Curves({"loss": [2.3, 1.1, 0.7]}, step="epoch", epoch_values={"test acc": [0.5, 0.8]})}
    return Run(number, lesson, {"lr": lr, "num_epochs": 2, "seed": 0}, curves, "finished", "", 3.5, "cpu")


def test_the_migrations_make_the_schema_the_store_declares(kept):
    kept.migrate()
    assert kept.revision() == "0002"
    with kept.engine.connect() as c:
        differences = compare_metadata(MigrationContext.configure(c), store.metadata)
    assert differences == []


def test_a_database_at_the_previous_revision_upgrades_and_keeps_its_rows(kept):
    kept.migrate("0001")
    assert kept.revision() == "0001"
    with kept.engine.begin() as c:
        c.execute(sa.text("INSERT INTO learners (id, created, seen) VALUES ('l1', :t, :t)"),
                  {"t": store._now()})
        c.execute(sa.text("INSERT INTO browser_keys (key_hash, learner_id, created) VALUES (:h, 'l1', :t)"),
                  {"h": store.hashed(KEY_A), "t": store._now()})
    kept.migrate()
    assert kept.revision() == "0002"
    assert kept.learner_for_key(KEY_A) == "l1"
    kept.save_run("l1", a_run())
    assert [r.settings["lr"] for r in kept.load("l1").runs["mlp"]] == [0.1]


def test_everything_a_learner_does_comes_back_as_it_was(kept):
    learner = kept.learner_for_key(KEY_A)
    assert kept.learner_for_key(KEY_A) == learner  # the same key, the same learner
    run = a_run()
    run.curves["scratch"].diverged_at = 3
    kept.save_run(learner, run)
    kept.save_run(learner, a_run(number=2, lr=0.5))
    kept.pin_run(learner, "mlp", 2, True)
    kept.delete_run(learner, "mlp", 1)
    kept.add_prediction(learner, "mlp", "adam", "Adam", "which wins? {}")
    kept.judge_prediction(learner, "mlp", "adam", "'SGD'", False)
    kept.judge_prediction(learner, "mlp", "adam", "'SGD'", True)  # only the first verdict counts
    kept.add_prediction(learner, "torch_nn", "params", 12.5, "how many?")
    outcome = Outcome(False, "grad_W2 is (10, 100), should be (100, 10): a missing transpose?",
                      [TensorCheck("grad_W2", False, None, "transposed")], "printed")
    kept.add_attempt(learner, "backprop_numpy", "backward", "def backward(): ...", outcome)
    kept.mark(learner, "mlp", "checkpoint:adam", False)
    kept.mark(learner, "mlp", "checkpoint:adam", True)
    kept.mark(learner, "mlp", "checkpoint:adam", False)  # a success stays a success

    back = kept.load(learner)
    [found] = back.runs["mlp"]
    assert (found.number, found.pinned, found.settings["lr"], found.seconds) == (2, True, 0.5, 3.5)
    assert found.curves["scratch"].epoch_values == {"test acc": [0.5, 0.8]}
    assert found.curves["scratch"].step == "epoch"
    adam = back.predictions["mlp"]["adam"]
    assert (adam["answer"], adam["truth"], adam["correct"], adam["stale"]) == ("Adam", "'SGD'", False, False)
    assert back.predictions["torch_nn"]["params"]["answer"] == 12.5
    attempt = back.attempts["backprop_numpy"]["backward"]
    assert attempt["message"] == outcome.message and attempt["passed"] is False
    assert attempt["checks"] == [{"name": "grad_W2", "passed": False, "error": None, "diagnosis": "transposed"}]
    assert back.progress == {"mlp": {"checkpoint:adam": True}}


def test_another_key_is_another_learner_and_a_malformed_one_none(kept):
    a, b = kept.learner_for_key(KEY_A), kept.learner_for_key(KEY_B)
    assert a != b
    kept.save_run(a, a_run())
    kept.mark(a, "mlp", "exercise:x", True)
    assert kept.load(b).runs == {} and kept.load(b).progress == {}
    for bad in ["", "short", KEY_A + "x", "A" * 31 + "!", None, "' OR 1=1 --" + "a" * 21]:
        with pytest.raises(ValueError):
            kept.learner_for_key(bad)


def test_two_tabs_ending_runs_under_one_number_keep_both(kept):
    learner = kept.learner_for_key(KEY_A)
    first, second = a_run(number=3), a_run(number=3, lr=0.9)
    kept.save_run(learner, first)
    kept.save_run(learner, second)  # the other tab numbered it 3 too
    assert (first.number, second.number) == (3, 4)
    assert [r.settings["lr"] for r in kept.load(learner).runs["mlp"]] == [0.1, 0.9]


def test_a_resume_code_carries_the_work_to_another_browser_and_joins_what_it_had(kept):
    a, b = kept.learner_for_key(KEY_A), kept.learner_for_key(KEY_B)
    kept.save_run(a, a_run(lr=0.1))
    kept.save_run(b, a_run(lr=0.2))  # the second browser had a run of its own, also numbered 1
    kept.mark(b, "mlp", "checkpoint:adam", True)
    code = kept.new_resume_code(a)
    assert len(code) == 19 and code.count("-") == 3
    assert kept.resume("0000-0000-0000-0000", KEY_B) is None  # a wrong code names no one
    assert kept.resume(code.lower().replace("-", " ").replace("0", "o"), KEY_B) == a  # as a learner may type it
    assert kept.learner_for_key(KEY_B) == a  # the second browser is the first learner now
    back = kept.load(a)
    assert [(r.number, r.settings["lr"]) for r in back.runs["mlp"]] == [(1, 0.1), (2, 0.2)]
    assert back.progress == {"mlp": {"checkpoint:adam": True}}
    assert not kept.exists(b)  # the anonymous learner it was is empty and gone
    newer = kept.new_resume_code(a)
    assert kept.resume(code, KEY_B) is None and kept.resume(newer, KEY_B) == a  # a new code replaces the old


def test_forget_me_deletes_every_row_of_the_learner_and_only_theirs(kept):
    a, b = kept.learner_for_key(KEY_A), kept.learner_for_key(KEY_B)
    for learner in (a, b):
        kept.save_run(learner, a_run())
        kept.add_prediction(learner, "mlp", "adam", "Adam", "q")
        kept.add_attempt(learner, "mlp", "x", "code", Outcome(True, "", [], ""))
        kept.mark(learner, "mlp", "exercise:x", True)
    kept.forget(a)
    with kept.engine.connect() as c:
        for table in (store.runs, store.predictions, store.attempts, store.progress, store.browser_keys):
            owners = set(c.execute(sa.select(table.c.learner_id)).scalars())
            assert owners == {b}, table.name
    assert not kept.exists(a)
    fresh = kept.learner_for_key(KEY_A)  # the browser's key now names a new, empty learner
    assert fresh != a and kept.load(fresh).runs == {}


def test_forty_learners_ending_runs_at_once_lose_no_row(url):
    """A class's runs end together: forty writers (each its own connection, as on forty pages) at once."""
    stores = [store.Store(url) for _ in range(4)]  # as several server processes
    stores[0].migrate()
    learners = [stores[0].learner_for_key(f"{i:032d}") for i in range(40)]
    errors, start = [], threading.Barrier(40)

    def end_run(i: int) -> None:
        start.wait()
        try:
            stores[i % 4].save_run(learners[i], a_run(lr=i / 100))
        except Exception as err:  # noqa: BLE001 - any failure is the test's finding
            errors.append(repr(err))

    threads = [threading.Thread(target=end_run, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with stores[0].engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(store.runs)).scalar() == 40
    for s in stores:
        s.dispose()


def test_a_database_that_does_not_answer_is_unavailable_with_a_reason(tmp_path):
    down = store.Store(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/explorer")
    with pytest.raises(store.Unavailable) as err:
        down.learner_for_key(KEY_A)
    assert "127.0.0.1" in str(err.value) or "refused" in str(err.value).lower()
    missing = store.Store(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder.sqlite3'}")
    with pytest.raises(store.Unavailable):
        missing.learner_for_key(KEY_A)


def test_a_cookie_names_a_key_only_with_this_deployments_signature():
    secret, other = b"s" * 32, b"t" * 32
    cookie = store.sign(KEY_A, secret)
    assert store.verify(cookie, secret) == KEY_A
    assert store.verify(cookie, other) is None  # signed elsewhere
    assert store.verify(store.sign(KEY_B, secret)[:33] + cookie[33:], secret) is None  # another key, this MAC
    assert store.verify(cookie[:-1] + ("0" if cookie[-1] != "0" else "1"), secret) is None
    for malformed in ["", ".", KEY_A, "x." + cookie.split(".")[1], cookie + "." + cookie]:
        assert store.verify(malformed, secret) is None


def test_the_secret_is_made_once_and_shared_by_every_process(kept, url, monkeypatch):
    monkeypatch.delenv("NN_GROUND_UP_SECRET", raising=False)
    again = store.Store(url)
    assert kept.secret() == again.secret() and len(kept.secret()) == 64
    again.dispose()


def test_a_train_run_is_kept_once_whether_the_page_or_the_server_keeps_it_first(kept):
    learner = kept.learner_for_key(KEY_A)
    by_server, by_page = a_run(number=0), a_run(number=7)  # the page numbers it after its own runs
    kept.save_run(learner, by_server, origin="f" * 32)  # it ended while the learner was away
    kept.save_run(learner, by_page, origin="f" * 32)  # the learner's page lands it afterwards
    assert by_server.number == by_page.number == 1
    kept.save_run(learner, a_run(number=0), origin="e" * 32)  # another press
    assert [r.number for r in kept.load(learner).runs["mlp"]] == [1, 2]


def test_an_export_holds_every_prediction_and_attempt_of_the_lesson_and_only_that_lesson(kept):
    learner = kept.learner_for_key(KEY_A)
    kept.add_prediction(learner, "mlp", "adam", "Adam", "q1")
    kept.add_prediction(learner, "mlp", "adam", None, "", stale=True)  # retracted: the settings changed
    kept.add_prediction(learner, "mlp", "adam", "SGD", "q2")
    kept.add_prediction(learner, "torch_nn", "params", 3, "q")
    kept.add_attempt(learner, "mlp", "x", "first try", Outcome(False, "a missing transpose?", [], ""))
    kept.add_attempt(learner, "mlp", "x", "second try", Outcome(True, "", [], ""))
    record = kept.lesson_record(learner, "mlp")
    assert [p["answer"] for p in record["predictions"]] == ["Adam", None, "SGD"]
    assert [(a["code"], a["passed"], a["message"]) for a in record["attempts"]] == [
        ("first try", False, "a missing transpose?"), ("second try", True, "")]
    assert kept.load(learner).predictions["mlp"]["adam"]["answer"] == "SGD"  # the latest is the one in force


def test_reading_a_learner_never_waits_for_a_writer(kept):
    """Opening a page reads the learner's work while a class's runs are written: on SQLite, reads see a snapshot
    (WAL) and must not queue behind the write lock. A returning learner's visit writes nothing."""
    learner = kept.learner_for_key(KEY_A)
    kept.save_run(learner, a_run())
    writer = store.Store(kept.url.render_as_string(hide_password=False))
    holding, release, released = threading.Event(), threading.Event(), []

    def hold_the_write_lock():
        with writer.engine.begin() as c:  # BEGIN IMMEDIATE on SQLite: the database's one write lock
            c.execute(store.runs.update().values(seconds=9.0))
            holding.set()
            release.wait(timeout=10)
            released.append(True)

    thread = threading.Thread(target=hold_the_write_lock)
    thread.start()
    holding.wait(timeout=10)
    try:
        assert kept.learner_for_key(KEY_A) == learner  # seen within the hour: nothing to write
        assert [r.seconds for r in kept.load(learner).runs["mlp"]] == [3.5]  # the snapshot before the write
        assert released == []  # it did not wait for the writer to finish
    finally:
        release.set()
        thread.join()
        writer.dispose()


def test_signing_in_joins_the_browsers_work_to_the_account_and_leaves_the_browser_empty(kept):
    browser = kept.learner_for_key(KEY_A)
    kept.save_run(browser, a_run(lr=0.3))
    kept.mark(browser, "mlp", "checkpoint:adam", True)
    alice = kept.learner_for_subject("https://issuer alice", KEY_A)
    assert alice != browser and kept.learner_for_subject("https://issuer alice") == alice
    assert [r.settings["lr"] for r in kept.load(alice).runs["mlp"]] == [0.3]
    assert kept.load(alice).progress == {"mlp": {"checkpoint:adam": True}}
    assert kept.learner_for_key(KEY_A) == browser  # signed out, the browser is its own learner again: empty
    assert kept.load(browser).runs == {} and kept.load(browser).progress == {}
    bob = kept.learner_for_subject("https://issuer bob", KEY_A)  # another account on the same browser
    assert bob != alice and kept.load(bob).runs == {}
    assert kept.learner_for_subject("https://other-issuer alice") not in (alice, bob)  # the issuer counts


def test_a_typed_resume_code_is_read_forgivingly_and_anything_else_refused():
    assert store.normal_code("abcd-efgh-jkmn-pqrs") == "ABCDEFGHJKMNPQRS"
    assert store.normal_code(" 0O1l-IIii 2345 6789 ") == "0011111123456789"  # O, I and L read as 0 and 1
    for typed in ["", "ABCD-EFGH-JKMN-PQR", "ABCD-EFGH-JKMN-PQRST", "ABCD-EFGH-JKMN-PQRU",  # U is not a digit
                  "'; DROP TABLE learners; --", "**ABCD**EFGHJKMNPQ", "<script>alert(1)</script>", "ä" * 16]:
        assert store.normal_code(typed) is None, typed
