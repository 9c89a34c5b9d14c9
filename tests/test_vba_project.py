"""vba_project: MS-OVBA compression and the compound-file writer, checked against oletools/olefile readers."""

from __future__ import annotations

import importlib.util
import io
import random
import warnings
import zipfile
from pathlib import Path

import olefile
import pytest
import xlwings

with warnings.catch_warnings():  # oletools 0.60 still uses pyparsing's pre-3.0 names
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, decompress_stream

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("vba_project", ROOT / "scripts" / "vba_project.py")
vba = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(vba)


def _xlwings_project() -> bytes:
    with zipfile.ZipFile(Path(xlwings.__file__).parent / "quickstart_standalone.xlsm") as archive:
        return archive.read("xl/vbaProject.bin")


def _streams(data: bytes) -> dict[str, bytes]:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}


@pytest.mark.parametrize("size", [1, 2, 3, 64, 4095, 4096, 4097, 12_000])
def test_compression_round_trips_through_oletools(size):
    rng = random.Random(size)
    words = [b"Sub ", b"End Sub\r\n", b'RunPython "import report_button"', b"    ", b"x", b"\r\n"]
    text = b"".join(rng.choice(words) for _ in range(size))[:size]
    for data in (text, b"a" * size):
        packed = vba.compress(data)
        assert bytes(decompress_stream(bytearray(packed))) == data
        assert len(packed) < len(data) + 16 or size < 16


def test_the_dir_stream_parses_and_serialises_back_to_the_same_bytes():
    raw = bytes(decompress_stream(bytearray(_streams(_xlwings_project())["VBA/dir"])))
    records = vba.parse_dir(raw)
    assert vba.serialize_dir(records) == raw
    names = [data for rid, data in records if rid == vba.MODULE_NAME_RECORD]
    assert b"Module1" in names and b"xlwings" in names


def test_the_compound_file_writer_keeps_every_stream():
    streams = _streams(_xlwings_project())
    assert _streams(vba.write_cfb(streams)) == streams
    big = {"A/B/big": bytes(range(256)) * 40, "A/small": b"x" * 100, "empty": b"", "C": b"y" * 4096}
    assert _streams(vba.write_cfb(big)) == big


def test_replacing_a_module_changes_only_its_source(tmp_path):
    source = 'Attribute VB_Name = "Module1"\nSub Hello()\n    RunPython "import report_button; report_button.main()"\nEnd Sub\n'
    project = vba.replace_module_source(_xlwings_project(), "Module1", source)
    (tmp_path / "vbaProject.bin").write_bytes(project)
    parser = VBA_Parser(str(tmp_path / "vbaProject.bin"))
    try:
        modules = {stream.split("/")[-1]: code for _, stream, _, code in parser.extract_macros()}
    finally:
        parser.close()
    assert modules["Module1"].replace("\r\n", "\n").strip() == source.strip()
    assert "Public Function RunPython(PythonCommand As String)" in modules["xlwings"]
    with pytest.raises(ValueError, match="ASCII"):
        vba.replace_module_source(_xlwings_project(), "Module1", "' 中文注释\n")
    with pytest.raises(KeyError):
        vba.replace_module_source(_xlwings_project(), "Module9", "Sub X()\nEnd Sub\n")
