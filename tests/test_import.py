import subprocess
import sys


def test_import_loads_no_heavy_library():
    code = (
        "import sys, assistant\n"
        "from assistant import Assistant, Settings, ask, Answer, Citation, Source\n"
        "heavy = [m for m in ('torch', 'llama_cpp', 'chromadb', 'gradio', 'sentence_transformers')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_creating_an_assistant_loads_no_model(tmp_path):
    code = (
        "import sys\n"
        "from assistant import Assistant, Settings\n"
        f"a = Assistant(Settings(data_dir={str(tmp_path)!r}))\n"
        "print(','.join(m for m in ('torch', 'llama_cpp') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
