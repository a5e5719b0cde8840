import pytest

from dissemination.youtube.urls import (
    InvalidYouTubeReference,
    YouTubeRef,
    parse_video_id,
    parse_youtube_ref,
)

VID = "dQw4w9WgXcQ"
CHANNEL = "UCuAXFkgsw1L7xaCfnd5JJOw"
PLAYLIST = "PLFgquLnL59alCl_2TQvOiD5Vgm1hCaGSI"


@pytest.mark.parametrize(
    "text, expected",
    [
        (VID, YouTubeRef("video", VID)),
        (f"https://www.youtube.com/watch?v={VID}", YouTubeRef("video", VID)),
        (f"https://www.youtube.com/watch?feature=share&v={VID}&t=42s", YouTubeRef("video", VID)),
        (f"http://youtube.com/watch?v={VID}", YouTubeRef("video", VID)),
        (f"youtube.com/watch?v={VID}", YouTubeRef("video", VID)),
        (f"https://m.youtube.com/watch?v={VID}", YouTubeRef("video", VID)),
        (f"https://music.youtube.com/watch?v={VID}&si=abc", YouTubeRef("video", VID)),
        (f"https://youtu.be/{VID}", YouTubeRef("video", VID)),
        (f"https://youtu.be/{VID}?si=Xy12&t=10", YouTubeRef("video", VID)),
        (f"https://www.youtube.com/shorts/{VID}", YouTubeRef("video", VID, is_short=True)),
        (f"https://youtube.com/shorts/{VID}?feature=share", YouTubeRef("video", VID, is_short=True)),
        (f"https://www.youtube.com/embed/{VID}?autoplay=1", YouTubeRef("video", VID)),
        (f"https://www.youtube-nocookie.com/embed/{VID}", YouTubeRef("video", VID)),
        (f"https://www.youtube.com/live/{VID}?feature=shared", YouTubeRef("video", VID)),
        (f"https://www.youtube.com/v/{VID}", YouTubeRef("video", VID)),
        (f"  https://www.youtube.com/watch?v={VID}  ", YouTubeRef("video", VID)),
        (
            f"https://www.youtube.com/watch?v={VID}&list={PLAYLIST}&index=2",
            YouTubeRef("video", VID, playlist_id=PLAYLIST),
        ),
        (f"https://www.youtube.com/playlist?list={PLAYLIST}", YouTubeRef("playlist", PLAYLIST)),
        (PLAYLIST, YouTubeRef("playlist", PLAYLIST)),
        (CHANNEL, YouTubeRef("channel", CHANNEL)),
        (f"https://www.youtube.com/channel/{CHANNEL}", YouTubeRef("channel", CHANNEL)),
        (f"https://www.youtube.com/channel/{CHANNEL}/videos", YouTubeRef("channel", CHANNEL)),
        ("@cnliziqi", YouTubeRef("handle", "@cnliziqi")),
        ("https://www.youtube.com/@cnliziqi", YouTubeRef("handle", "@cnliziqi")),
        ("https://www.youtube.com/@cnliziqi/shorts", YouTubeRef("handle", "@cnliziqi")),
        ("https://www.youtube.com/%40cnliziqi", YouTubeRef("handle", "@cnliziqi")),
        ("https://www.youtube.com/c/LiziqiChannel", YouTubeRef("custom", "LiziqiChannel")),
        ("https://www.youtube.com/user/RickAstleyVEVO", YouTubeRef("user", "RickAstleyVEVO")),
        ("https://www.youtube.com/RickAstleyVEVO", YouTubeRef("custom", "RickAstleyVEVO")),
    ],
)
def test_parses_every_url_form(text, expected):
    assert parse_youtube_ref(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not a url",
        "https://vimeo.com/123456",
        "https://example.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ1",
        "https://youtu.be/",
        "https://www.youtube.com/channel/UCnot-a-channel",
        "https://www.youtube.com/feed/trending",
        "https://www.youtube.com/",
        "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
        "https://www.youtube.com/@a",
    ],
)
def test_rejects_junk_with_a_clear_error(text):
    with pytest.raises(InvalidYouTubeReference) as info:
        parse_youtube_ref(text)
    assert str(info.value)  # a message staff can read


def test_parse_video_id_refuses_channels():
    assert parse_video_id(f"https://youtu.be/{VID}") == VID
    with pytest.raises(InvalidYouTubeReference, match="channel, not a video"):
        parse_video_id(f"https://www.youtube.com/channel/{CHANNEL}")


def test_broken_list_parameter_does_not_block_the_video():
    assert parse_youtube_ref(f"https://www.youtube.com/watch?v={VID}&list=%%%") == YouTubeRef("video", VID)
