"""Download: resume, verification and unpacking, against a server on the loopback address."""

import hashlib
import io
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from raven.data import download as dl
from raven.data.download import DatasetSource, DownloadError, download, ensure_speech_commands


def make_archive() -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (
            ("testing_list.txt", b"yes/a_nohash_0.wav\n"),
            ("validation_list.txt", b""),
            ("yes/a_nohash_0.wav", b"x" * 5000),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Server:
    """Serves one payload; the first ``cut_first`` responses stop after half the bytes."""

    def __init__(self, payload: bytes, cut_first: int = 0):
        self.payload, self.cut_left, self.ranges = payload, cut_first, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                start = 0
                header = self.headers.get("Range")
                outer.ranges.append(header)
                if header:
                    start = int(header.split("=")[1].split("-")[0])
                body = outer.payload[start:]
                self.send_response(206 if header else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if outer.cut_left:
                    outer.cut_left -= 1
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/sc.tar.gz"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def payload():
    return make_archive()


def test_download_verifies_and_unpacks(tmp_path, payload, monkeypatch):
    server = Server(payload)
    try:
        source = DatasetSource("test", server.url, "sc", hashlib.sha256(payload).hexdigest())
        monkeypatch.setitem(dl.SOURCES, "test", source)
        folder = ensure_speech_commands("test", tmp_path, progress=False)
        assert (folder / "yes" / "a_nohash_0.wav").stat().st_size == 5000
        assert (tmp_path / "sc.tar.gz.sha256").read_text().startswith(source.sha256)
        assert ensure_speech_commands("test", tmp_path, progress=False) == folder  # no refetch
        assert len(server.ranges) == 1
    finally:
        server.close()


def test_interrupted_download_resumes_with_a_range_request(tmp_path, payload):
    server = Server(payload, cut_first=1)
    try:
        source = DatasetSource("test", server.url, "sc")
        with pytest.raises(DownloadError, match="resume"):
            download(source, tmp_path, progress=False)
        assert (tmp_path / "sc.tar.gz.part").stat().st_size == len(payload) // 2
        archive = download(source, tmp_path, progress=False)
        assert archive.read_bytes() == payload
        assert server.ranges == [None, f"bytes={len(payload) // 2}-"]
    finally:
        server.close()


def test_checksum_mismatch_is_refused(tmp_path, payload):
    server = Server(payload)
    try:
        with pytest.raises(DownloadError, match="SHA-256"):
            download(DatasetSource("test", server.url, "sc", "0" * 64), tmp_path, progress=False)
        assert not list(tmp_path.glob("sc.tar.gz*"))
    finally:
        server.close()


def test_no_network_gives_a_clear_message(tmp_path):
    # Port 9 on the loopback address: nothing listens there, the connection is refused.
    source = DatasetSource("test", "http://127.0.0.1:9/sc.tar.gz", "sc")
    with pytest.raises(DownloadError, match="--data DIR"):
        download(source, tmp_path, progress=False, timeout_s=2)


def test_unknown_version_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="version"):
        ensure_speech_commands("v9", tmp_path)
