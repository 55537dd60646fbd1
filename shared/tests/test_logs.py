"""shared.logs: one JSON object per line whatever a value holds, the correlation id of the request served,
and the launcher's rotated files where every line parses."""
import io
import json
import logging

from shared import logs

HOSTILE = 'x\r\n\x1b[31mred\x1b[0m\n{"level": "CRITICAL", "message": "forged"}\u2028end'


def logged(service="intake") -> tuple[io.StringIO, logging.Logger]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.Formatter(service))
    handler.addFilter(logs._Correlation())
    logger = logging.getLogger(f"peernet.test.{service}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return stream, logger


def test_a_hostile_value_stays_inside_one_json_line():
    stream, logger = logged()
    logger.info("request %s", HOSTILE, extra={"path": HOSTILE, "status": 404})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert all(ord(character) < 128 and character not in "\r\x1b" for character in lines[0])
    entry = json.loads(lines[0])
    assert entry["path"] == HOSTILE and entry["message"] == f"request {HOSTILE}"
    assert entry["status"] == 404 and entry["level"] == "INFO" and entry["service"] == "intake"
    assert entry["logger"] == "peernet.test.intake" and entry["time"].endswith("Z")


def test_the_correlation_id_of_the_request_being_served():
    stream, logger = logged("gateway")
    logger.info("outside")
    token = logs.CORRELATION_ID.set("c-42")
    try:
        logger.info("inside")
    finally:
        logs.CORRELATION_ID.reset(token)
    outside, inside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert "correlation_id" not in outside and inside["correlation_id"] == "c-42"


def test_a_traceback_is_a_field_of_its_line():
    stream, logger = logged()
    try:
        raise ValueError("bad\nthing")
    except ValueError:
        logger.exception("failed")
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "ValueError: bad\nthing" in entry["exc_info"]


def test_configure_puts_every_logger_through_it():
    stream = io.StringIO()
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    try:
        logs.configure("matching-relay", stream=stream)
        logging.getLogger("nameko.containers").warning("from %s", "nameko")
        logging.getLogger("kombu").error("from kombu")
    finally:
        root.handlers[:] = before
        root.setLevel(level)
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"], e["service"]) for e in entries] == [
        ("nameko.containers", "from nameko", "matching-relay"), ("kombu", "from kombu", "matching-relay")]


def test_rotating_lines_wrap_raw_output_and_rotate_by_size(tmp_path):
    sink = logs.RotatingLines(tmp_path / "intake.log", "intake", max_bytes=2000, backups=2)
    sink.write(b'{"level": "INFO", "message": "already json"}\n')
    sink.write(b'Traceback (most recent call last): \x1b[2J {"level": "CRITICAL"}\r\n')
    sink.write(b'["a list is not an object"]\n')
    first = [json.loads(line) for line in (tmp_path / "intake.log").read_text().splitlines()]
    assert first[0] == {"level": "INFO", "message": "already json"}
    assert first[1]["message"] == 'Traceback (most recent call last): \x1b[2J {"level": "CRITICAL"}'
    assert first[1]["service"] == "intake" and first[1]["logger"] == "output"
    assert first[2]["message"] == '["a list is not an object"]'
    for number in range(100):
        sink.write(json.dumps({"n": number, "pad": "p" * 50}).encode() + b"\n")
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["intake.log", "intake.log.1", "intake.log.2"]
    for path in tmp_path.iterdir():
        assert path.stat().st_size <= 2000
        assert all(isinstance(json.loads(line), dict) for line in path.read_text().splitlines())
    assert json.loads((tmp_path / "intake.log").read_text().splitlines()[-1])["n"] == 99
