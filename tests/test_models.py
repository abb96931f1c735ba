import hashlib

import pytest

from assistant import Settings
from assistant.errors import ModelError
from assistant.runtime import models as m


@pytest.fixture
def fake_spec(tmp_path, monkeypatch):
    """A two-part 'model' shipped in fake packages on sys.path."""
    data = [b"GGUF" + b"a" * 100, b"b" * 50]
    for i, chunk in enumerate(data, start=1):
        pkg = tmp_path / "site" / f"fakepart{i}" / "data"
        pkg.mkdir(parents=True)
        (pkg.parent / "__init__.py").write_text("")
        (pkg / f"part0{i}.bin").write_bytes(chunk)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    whole = b"".join(data)
    spec = m.GGUFSpec("fake", "fake.gguf", ("fakepart1", "fakepart2"), "data/part*.bin",
                      hashlib.sha256(whole).hexdigest(), len(whole), "pip install fakepart")
    monkeypatch.setitem(m.GGUF_MODELS, "fake", spec)
    return spec, whole


def test_assemble_concatenates_in_order_and_verifies(tmp_path, fake_spec):
    spec, whole = fake_spec
    s = Settings(models_dir=tmp_path / "models", model="fake")
    path = m.resolve_model(s)
    assert path.read_bytes() == whole and path.parent == tmp_path / "models"


def test_corrupt_file_is_reported(tmp_path, fake_spec):
    spec, whole = fake_spec
    s = Settings(models_dir=tmp_path / "models", model="fake")
    path = m.resolve_model(s)
    path.write_bytes(whole[:-1] + b"X")  # same size, other content
    with pytest.raises(ModelError, match="corrupt"):
        m.resolve_model(s)
    path.write_bytes(whole[:10])
    with pytest.raises(ModelError, match="incomplete"):
        m.resolve_model(s)


def test_explicit_path_wins_and_missing_path_says_what_to_do(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert m.resolve_model(Settings(model=str(gguf), models_dir=tmp_path)) == gguf
    with pytest.raises(ModelError, match="ASSISTANT_MODEL"):
        m.resolve_model(Settings(model=str(tmp_path / "none.gguf"), models_dir=tmp_path))


def test_user_gguf_in_models_dir_is_used(tmp_path):
    (tmp_path / "custom.gguf").write_bytes(b"GGUF")
    assert m.resolve_model(Settings(models_dir=tmp_path)).name == "custom.gguf"


def test_missing_packaged_model_names_the_install_command(tmp_path, monkeypatch):
    spec = m.GGUFSpec("ghost", "ghost.gguf", ("no_such_pkg_xyz",), "*.bin", "0" * 64, 1,
                      "pip install ghost-model")
    monkeypatch.setitem(m.GGUF_MODELS, "ghost", spec)
    with pytest.raises(ModelError, match="pip install ghost-model"):
        m.resolve_model(Settings(models_dir=tmp_path, model="ghost"))


def test_embedder_resolution_order(tmp_path):
    local = tmp_path / "models" / m.DEFAULT_EMBEDDER
    local.mkdir(parents=True)
    (local / "modules.json").write_text("[]")
    assert m.resolve_embedder(Settings(models_dir=tmp_path / "models"))[1] == local
    with pytest.raises(ModelError, match="sentence-transformers folder"):
        m.resolve_embedder(Settings(embedder=str(tmp_path / "nothing")))
