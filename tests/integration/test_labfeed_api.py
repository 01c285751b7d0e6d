"""The lab feed and calendar over HTTP (a real server on localhost) and on the command line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import icalendar
from typer.testing import CliRunner

from alemtrack.cli.main import app as cli_app
from alemtrack.interop.hl7v2 import parse
from alemtrack.interop.hl7v2.mllp import frame
from tests.e2e.api_support import API, api_client, assert_error, import_example

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "hl7v2"
HL7 = ("MSH|^~\\&|LAB|HOSP|alemtrack|MSC|20261110093000+0100||ORU^R01|HTTP-1|P|2.5.1\r"
       "PID|1||p06^^^HOSP^MR||Voss^Hannah\rOBR|1||F-9^LAB|57021-8^CBC^LN|||20261110080000+0100"
       "\rOBX|1|NM|26515-7^Platelets^LN||61|10*9/L|150-400|L|||F|||20261110080000+0100\r")
CSV = ("patient_id,loinc,value,unit,date,reference_range,qualitative\n"
       "p06,26515-7,142,10*9/L,2026-11-11,150-400,\n")


def test_post_hl7_answers_the_ack_and_stores_the_result(tmp_path):
    with api_client(tmp_path / "a.db") as client:
        import_example(client, "06-itp-month-19")
        response = client.post(f"{API}/hl7", content=HL7,
                               headers={"Content-Type": "x-application/hl7-v2+er7"})
        assert response.status_code == 200, response.text
        assert response.headers["x-hl7-ack-code"] == "AA"
        assert response.headers["content-type"].startswith("x-application/hl7-v2+er7")
        assert parse(response.text).segments[1].component(2) == "HTTP-1"
        bad = client.post(f"{API}/hl7", content="nonsense",
                          headers={"Content-Type": "text/plain"})
        assert bad.status_code == 200 and bad.headers["x-hl7-ack-code"] == "AR"
        viewer = client.post(f"{API}/hl7", content=HL7, headers={
            **client.auth("viewer"), "Content-Type": "text/plain"})
        assert viewer.status_code == 403


def test_post_csv_imports_all_or_answers_422_with_one_detail_per_rejected_line(tmp_path):
    with api_client(tmp_path / "a.db") as client:
        import_example(client, "06-itp-month-19")
        bad = client.post(f"{API}/imports/csv", content=CSV + "p06,718-7,x,g/dL,2026-11-11,,\n",
                          headers={"Content-Type": "text/csv"})
        error = assert_error(bad, 422, "validation_error")
        assert error["details"] == [{"field": "line 3", "message": 'value "x" is not a number'}]
        dry = client.post(f"{API}/imports/csv", params={"dry_run": "true"}, content=CSV,
                          headers={"Content-Type": "text/csv"})
        assert dry.status_code == 200 and dry.json()["imported"] is False
        done = client.post(f"{API}/imports/csv", content=CSV, headers={"Content-Type": "text/csv"})
        assert done.status_code == 200 and done.json()["stored"] == 1
        header = client.post(f"{API}/imports/csv", content="a,b\n",
                             headers={"Content-Type": "text/csv"})
        assert_error(header, 422, "input_error")


def test_the_calendar_downloads_as_ics_and_the_patient_page_links_to_it(tmp_path):
    with api_client(tmp_path / "a.db") as client:
        patient_id = import_example(client, "06-itp-month-19")["patient_id"]
        response = client.get(f"{API}/patients/{patient_id}/calendar.ics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        assert "attachment" in response.headers["content-disposition"]
        cal = icalendar.Calendar.from_ical(response.text)
        assert list(cal.walk("VEVENT"))
        assert_error(client.get(f"{API}/patients/999/calendar.ics"), 404, "not_found")
        assert client.get(f"{API}/patients/{patient_id}/calendar.ics",
                          headers={"Authorization": ""}).status_code == 401


def test_import_csv_on_the_command_line_reports_rejected_lines_and_imports_nothing(tmp_path):
    db = tmp_path / "cli.db"
    env = {"ALEMTRACK_DATABASE_URL": f"sqlite:///{db}"}
    runner = CliRunner()
    examples = Path(__file__).resolve().parents[2] / "examples"
    assert runner.invoke(cli_app, ["import", str(examples / "06-itp-month-19.bundle.json")],
                         env=env).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "p06,999-9,1,mg,2026-11-11,,\n", encoding="utf-8")
    result = runner.invoke(cli_app, ["import-csv", str(bad)], env=env)
    assert result.exit_code == 2
    assert "bad.csv:3: LOINC 999-9 is not an analyte alemtrack follows" in result.output
    good = tmp_path / "good.csv"
    good.write_text(CSV, encoding="utf-8")
    dry = runner.invoke(cli_app, ["import-csv", str(good), "--dry-run"], env=env)
    assert dry.exit_code == 0 and "nothing stored (--dry-run)" in dry.output
    done = runner.invoke(cli_app, ["import-csv", str(good)], env=env)
    assert done.exit_code == 0 and "1 stored" in done.output
    hl7 = runner.invoke(cli_app, ["import-hl7", str(SAMPLES / "nist-lri-cbc-oru-r01.hl7")],
                        env=env)
    assert hl7.exit_code == 2 and "AE" in hl7.output
    assert "patient PATID1234 is not followed" in hl7.output


def test_alemtrack_mllp_listens_and_answers_until_stopped(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ALEMTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    program = "from alemtrack.cli.main import app; app()"
    process = subprocess.Popen(
        [sys.executable, "-c", program, "mllp", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "no listener"
                time.sleep(0.2)
        with conn:
            conn.sendall(frame(HL7))
            data = b""
            while b"\x1c\r" not in data:
                chunk = conn.recv(65536)
                assert chunk, "connection closed without an ACK"
                data += chunk
        ack = data.strip(b"\x0b\x1c\r").decode()
        assert parse(ack).segments[1].component(1) == "AE"  # p06 is not in this database
        assert "patient p06 is not followed" in ack
    finally:
        process.terminate()
        process.wait(timeout=30)
