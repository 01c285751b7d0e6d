"""The MLLP listener on a localhost socket: framed messages in, framed ACKs out."""

from __future__ import annotations

import asyncio

from alemtrack.interop.hl7v2 import parse
from alemtrack.interop.hl7v2.mllp import FrameReader, frame, send, start_listener
from alemtrack.protocol.facts import Analyte
from alemtrack.services.labfeed import LabFeed

MESSAGE = ("MSH|^~\\&|LAB|HOSP|alemtrack|MSC|20261120093000+0100||ORU^R01|MLLP-1|P|2.5.1\r"
           "PID|1||p06^^^HOSP^MR||Voss^Hannah\rOBR|1||F-7^LAB|57021-8^CBC^LN|||20261120080000"
           "+0100\rOBX|1|NM|26515-7^Platelets^LN||88|10*9/L|150-400|L|||F|||20261120080000+0100\r")


def test_frames_split_across_reads_are_reassembled_and_noise_between_them_dropped():
    reader = FrameReader()
    data = b"noise" + frame("A") + frame("B")
    got = [m for i in range(len(data)) for m in reader.feed(data[i:i + 1])]
    assert got == [b"A", b"B"]


def test_the_listener_answers_each_framed_message_with_its_ack(clinic):
    clinic.import_bundle({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p06", "gender": "female",
                      "name": [{"family": "Voss", "given": ["Hannah"]}]}}]},
        source="t", actor="t")
    feed = LabFeed(clinic)

    async def scenario() -> list[str]:
        server = await start_listener(lambda t: feed.answer_hl7(t, actor="mllp"),
                                      host="127.0.0.1", port=0)
        port = server.sockets[0].getsockname()[1]
        try:
            acks = [await send(MESSAGE, host="127.0.0.1", port=port, timeout=30)]
            acks.append(await send("not hl7", host="127.0.0.1", port=port, timeout=30))
            # two messages on one connection, in one write
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(frame(MESSAGE) + frame(MESSAGE.replace("MLLP-1", "MLLP-2")))
            await writer.drain()
            frames, answers = FrameReader(), []
            while len(answers) < 2:
                answers += frames.feed(await asyncio.wait_for(reader.read(65536), 30))
            writer.close()
            await writer.wait_closed()
            return acks + [a.decode() for a in answers]
        finally:
            server.close()
            await server.wait_closed()

    acks = asyncio.run(scenario())
    msas = [(parse(a).segments[1].component(1), parse(a).segments[1].component(2))
            for a in acks]
    assert msas == [("AA", "MLLP-1"), ("AR", ""), ("AA", "MLLP-1"), ("AA", "MLLP-2")]
    assert [lab.value for lab in clinic.facts(1).labs if lab.analyte is Analyte.PLATELETS] \
        == [88]
