"""Running requests at once, for the race tests (functional and
multi-process).
"""

import threading


def race(*calls, timeout=120):
    """Run the calls at once (released together by a barrier); returns
    [(result, exception)] in the calls' order.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        try:
            results[index] = (call(), None)
        except Exception as exc:
            results[index] = (None, exc)
    threads = [threading.Thread(target=run, args=(i, call))
               for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), 'a racing request never returned'
    return results


def assert_one_wins(test_case, results, loser_errors):
    """Check that exactly one of race()'s ``results`` succeeded and the
    others raised ``loser_errors`` (a class or tuple); returns the
    winner's result.
    """
    won = [result for result, error in results if error is None]
    lost = [error for result, error in results if error is not None]
    test_case.assertEqual(1, len(won), results)
    for error in lost:
        test_case.assertIsInstance(error, loser_errors)
    return won[0]
