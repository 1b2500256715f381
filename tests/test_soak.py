"""A short soak of the real app (the session's server): mixed requests from two clients for about 6 s (after a warm-up).
Nothing fails except clear refusals of odd files, memory stops growing after warm-up, the temp folder grows
by no more than what the requests wrote, and the server is still up. bench/soak.py runs the same mix longer."""

import pytest

from support import soak_mix
from support.app_launcher import folder_bytes, rss_bytes

CLIENTS = 2  # one per core of a small machine; the app serves two requests at a time
WARM_UP_REQUESTS = 20  # each kind of request a few times: lazy imports, allocator pools, first uploads
SECONDS = 6  # bench.soak runs the long ones; the suite stays under 4 minutes
MAX_MEMORY_GROWTH = 100e6


def unclear(outcomes) -> list[str]:
    return [f"{o.kind}: {o.error}" for o in outcomes if o.unclear]


@pytest.mark.slow
def test_app_holds_up_under_a_mixed_soak(app_server, tmp_path):
    url, process, temp_dir = app_server
    odd = soak_mix.write_odd_files(tmp_path)
    clients = soak_mix.connect(url, CLIENTS)
    temp_before = folder_bytes(temp_dir)
    warm_up = soak_mix.run(clients, odd, requests=WARM_UP_REQUESTS)
    memory_warm = rss_bytes(process.pid)
    soak = soak_mix.run(clients, odd, seconds=SECONDS, seed=1)

    assert not unclear(warm_up + soak), unclear(warm_up + soak)[:5]
    assert process.poll() is None
    growth = rss_bytes(process.pid) - memory_warm
    assert growth < MAX_MEMORY_GROWTH, f"server memory grew {growth / 1e6:.0f} MB over {len(soak)} requests"
    # Gradio deletes served files only after 30 minutes, so here the folder keeps all the requests wrote
    written = folder_bytes(temp_dir) - temp_before
    bound = len(warm_up + soak) * soak_mix.most_bytes_per_request(odd)
    assert written <= bound, f"temp folder grew {written / 1e6:.1f} MB, more than {bound / 1e6:.1f} MB"
