"""The engine stays cheap to import: no MIDI libraries and no Pillow behind `midigan.core`."""

import subprocess
import sys


def test_core_imports_no_music_or_image_libraries():
    code = (
        "import sys, midigan.core, midigan.core.trainer, midigan.core.checkpoint;"
        "print(sorted(m for m in ('mido', 'pretty_midi', 'PIL') if m in sys.modules))"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"
