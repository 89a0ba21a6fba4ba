"""One base for the program's exceptions (correspondence/common/errors.py): every exception class
of the package derives from CorrespondenceError and carries its exit status, and the command ends
with that status and its sentences, never a traceback."""

import importlib
import inspect
import pkgutil

import pytest
from conftest import EXAMPLES, invoke

import correspondence
from correspondence.common.errors import CorrespondenceError


def _exception_classes():
    for info in pkgutil.walk_packages(correspondence.__path__, "correspondence."):
        if info.name.startswith(("correspondence.cli.__main__", "correspondence.maintainer")):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                yield cls


def test_every_exception_of_the_package_derives_from_the_one_base_with_an_exit_code():
    found = {cls.__name__: cls for cls in _exception_classes()}
    assert {"CaseError", "RulesError", "ServiceError", "LedgerUnreadable", "ActionError"} <= set(found)
    for name, cls in found.items():
        assert issubclass(cls, CorrespondenceError), name
        assert cls.exit_code in (1, 2, 3), name
    assert found["ServiceError"].exit_code == found["LedgerUnreadable"].exit_code == 3
    assert found["CaseError"].exit_code == found["ActionError"].exit_code == 1


def test_a_problem_found_is_its_sentence_and_exit_1(tmp_path):
    result = invoke("actions", "done", "TWC-2026-0142", "no-such-letter", "1", outbox=tmp_path)
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1 and "Traceback" not in result.output


def test_a_failure_of_the_service_is_one_capitalised_sentence_and_exit_3(tmp_path):
    (tmp_path / "ledger.sqlite3").write_bytes(b"this is not a database" * 100)
    result = invoke("due", "--case-file", str(EXAMPLES / "twc-2026-0142.json"), "--as-of", "2026-11-20",
                    outbox=tmp_path)
    assert result.exit_code == 3
    assert result.output.splitlines() == [
        "The ledger cannot be read (file is not a database); run 'letters ledger rebuild' to rebuild it from "
        "the letters' manifests."]


@pytest.mark.parametrize("code", [1, 2, 3])
def test_the_base_carries_its_sentences(code):
    class Example(CorrespondenceError):
        exit_code = code

    assert Example("One sentence.").sentences == ["One sentence."]
    error = CorrespondenceError("joined")
    error.problems = ["First.", "Second."]
    assert error.sentences == ["First.", "Second."] and Example.exit_code == code
