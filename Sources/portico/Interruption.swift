import Foundation
import PorticoEngine

/// What Ctrl-C (SIGINT) and a pipeline's cancel (SIGTERM) do to apply and destroy.
///
/// Before any change starts (reading, planning, asking), the run ends at once: the lock is
/// released and nothing was changed. While changes run, the first signal stops new steps from
/// starting and gives up waits; the steps under way finish their calls, the summary says what
/// was done, and the lock is released. A second signal ends the process at once; the lock it
/// leaves behind is taken over by the next run on the same machine (its process is gone).
final class Interruption: @unchecked Sendable {
    static let shared = Interruption()

    enum Phase {
        /// No change is under way: stopping loses nothing.
        case preparing
        /// Steps are changing AWS: stop between calls, not in the middle of one.
        case changing
    }

    let stop = StopRequest()
    private let lock = NSLock()
    private var phase = Phase.preparing
    private var signals = 0
    private var releaseLock: (@Sendable () async -> Void)?
    private var sources: [DispatchSourceSignal] = []

    /// Catches SIGINT and SIGTERM from now on.
    func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.received(number) }
            source.resume()
            sources.append(source)
        }
    }

    func enter(_ phase: Phase) {
        lock.lock()
        self.phase = phase
        lock.unlock()
    }

    /// How to give the lock back if the run is stopped before any change. Called once the
    /// lock is taken (or known to be absent): a signal that came while it was being taken is
    /// acted on here, so the lock is never left behind.
    func onStopBeforeChanges(_ release: @escaping @Sendable () async -> Void) async {
        let stopNow = lock.withLock {
            releaseLock = release
            return signals > 0 && phase == .preparing
        }
        if stopNow {
            await release()
            exit(130)
        }
    }

    private func received(_ number: Int32) {
        lock.lock()
        signals += 1
        let (count, phase, release) = (signals, self.phase, releaseLock)
        lock.unlock()
        let name = number == SIGINT ? "interrupt" : "terminate signal"
        if count > 1 {
            say("portico: second \(name): stopping at once. Calls under way may or may not have been carried out; run the command again to converge (the lock it leaves is taken over on this machine).")
            exit(130)
        }
        stop.request()
        switch phase {
        case .changing:
            say("portico: \(name): finishing the calls under way and starting no new step (again to stop at once)")
        case .preparing:
            say("portico: \(name): stopped before changing anything")
            // Without a release yet, the lock is being taken: it is released as soon as it is.
            guard let release else { return }
            Task {
                await release()
                exit(130)
            }
        }
    }

    private func say(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
