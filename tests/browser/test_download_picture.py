"""The board page offers the board as a picture, drawn by the server (issue 14)."""

from __future__ import annotations

from playwright.sync_api import expect


def test_download_picture_gives_a_png_of_the_board(open_board, server):
    board = server.create_board(canvas="game-rules", language="en")
    page = open_board(board, name="Anna", org="Gemeente")
    link = page.locator("[data-action=picture]")
    expect(link).to_have_text("Download picture")
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    with open(path, "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"
    assert download.value.suggested_filename == "Test-board.png"
    # An observer gets it too (any token may see the picture).
    watcher = open_board(board, role="observer", name="Olga", org="Zorg")
    expect(watcher.locator("[data-action=picture]")).to_be_visible()
