"""SIGINT/SIGTERM as Interrupted, and the blocks that hold them back."""

import os
import signal

import ddt

from nova.scenario import interrupt
from nova import test


@ddt.ddt
class InterruptTestCase(test.NoDBTestCase):

    def setUp(self):
        super().setUp()
        interrupt.install()
        self.addCleanup(interrupt.uninstall)

    @ddt.data((signal.SIGINT, 130, 'SIGINT'), (signal.SIGTERM, 143, 'SIGTERM'))
    @ddt.unpack
    def test_signal_raises_interrupted(self, signum, status, name):
        exc = self.assertRaises(interrupt.Interrupted, os.kill, os.getpid(),
                                signum)
        self.assertEqual(status, exc.exit_status)
        self.assertEqual('interrupted by %s' % name, str(exc))
        # Not an Exception: `except Exception` on the way out lets it by.
        self.assertFalse(isinstance(exc, Exception))

    def test_later_signals_ignored(self):
        self.assertRaises(interrupt.Interrupted, os.kill, os.getpid(),
                          signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)  # the stop is under way

    def test_deferred_raises_at_the_end_of_the_block(self):
        done = []

        def block():
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                done.append('after the signal')
            done.append('after the block')
        exc = self.assertRaises(interrupt.Interrupted, block)
        self.assertEqual(signal.SIGTERM, exc.signum)
        self.assertEqual(['after the signal'], done)

    def test_nested_deferred_raises_at_the_outer_end(self):
        done = []

        def block():
            with interrupt.deferred():
                with interrupt.deferred():
                    os.kill(os.getpid(), signal.SIGINT)
                done.append('inner block ended')
        self.assertRaises(interrupt.Interrupted, block)
        self.assertEqual(['inner block ended'], done)

    def test_block_ending_in_an_error_leaves_it_pending(self):
        def block():
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                raise ValueError('boom')
        self.assertRaises(ValueError, block)
        self.assertRaises(interrupt.Interrupted, interrupt.raise_pending)
        interrupt.raise_pending()  # raised once only

    def test_cooperative_records_the_first_signal(self):
        with interrupt.cooperative():
            os.kill(os.getpid(), signal.SIGTERM)
            self.assertEqual(signal.SIGTERM, interrupt.pending())
            self.assertEqual(signal.SIGTERM, interrupt.received())
            exc = self.assertRaises(interrupt.Interrupted,
                                    interrupt.raise_pending)
        self.assertEqual(143, exc.exit_status)
        self.assertIsNone(interrupt.pending())
        self.assertEqual(signal.SIGTERM, interrupt.received())

    def test_cooperative_second_signal_raises_at_once(self):
        with interrupt.cooperative():
            os.kill(os.getpid(), signal.SIGINT)
            exc = self.assertRaises(interrupt.Interrupted, os.kill,
                                    os.getpid(), signal.SIGTERM)
        # Reported as the first signal.
        self.assertEqual(130, exc.exit_status)

    def test_deferred_inside_cooperative_leaves_it_to_the_run(self):
        with interrupt.cooperative():
            with interrupt.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)  # held back too
            self.assertEqual(signal.SIGINT, interrupt.pending())

    def test_nothing_pending(self):
        interrupt.raise_pending()
        with interrupt.deferred():
            pass

    def test_uninstall_restores_handlers(self):
        interrupt.uninstall()
        self.assertIs(signal.default_int_handler,
                      signal.getsignal(signal.SIGINT))
        self.assertEqual(signal.SIG_DFL, signal.getsignal(signal.SIGTERM))


class NotInstalledTestCase(test.NoDBTestCase):

    def test_deferred_is_a_no_op(self):
        with interrupt.deferred():
            pass
        interrupt.raise_pending()
