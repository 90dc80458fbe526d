// The communicator without a launcher: how a launch is recognised, the single-process identity,
// a launch whose MPI library cannot be loaded, and the hand-written Open MPI declarations in
// Sources/CMPI/shim.h against Open MPI's own mpi.h.
import Collective
import Foundation
import XCTest

final class CommunicatorTests: XCTestCase {
    func testNoLauncherVariablesMeansSingleProcess() throws {
        XCTAssertNil(MPILaunch.detect { _ in nil })
        XCTAssertNil(MPILaunch.detect { $0 == "OMPI_COMM_WORLD_SIZE" ? "not a number" : nil })
        let c = try makeCommunicator { _ in nil }
        XCTAssertTrue(c is SingleProcessCommunicator)
        XCTAssertEqual(c.rank, 0)
        XCTAssertEqual(c.size, 1)
        XCTAssertTrue(c.isRoot)
    }

    func testLaunchersAreRecognised() {
        let openMPI = ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "3", "PMIX_RANK": "3"]
        XCTAssertEqual(MPILaunch.detect { openMPI[$0] }, MPILaunch(rank: 3, size: 4, evidence: "OMPI_COMM_WORLD_SIZE"))
        let pmix = ["PMIX_RANK": "1"]
        XCTAssertEqual(MPILaunch.detect { pmix[$0] }, MPILaunch(rank: 1, size: nil, evidence: "PMIX_RANK"))
        let hydra = ["PMI_SIZE": "2", "PMI_RANK": "0"]
        XCTAssertEqual(MPILaunch.detect { hydra[$0] }, MPILaunch(rank: 0, size: 2, evidence: "PMI_SIZE"))
    }

    func testSingleProcessOperationsLeaveValuesAlone() throws {
        let c = SingleProcessCommunicator()
        var f: [Float] = [1.5, -2, 3]
        try c.allreduceSum(&f, count: 3)
        XCTAssertEqual(f, [1.5, -2, 3])
        var k: [Int64] = [7, 1 << 40]
        try c.allreduceMax(&k, count: 2)
        XCTAssertEqual(k, [7, 1 << 40])
        XCTAssertEqual(try c.sum(2.25), 2.25)
        XCTAssertEqual(try c.sum(41), 41)
        XCTAssertTrue(try c.any(true))
        XCTAssertFalse(try c.any(false))
        var pending = try c.startAllreduceSum(&f, count: 3)
        XCTAssertTrue(try c.test(&pending))
        try c.wait(&pending)
        XCTAssertEqual(f, [1.5, -2, 3])
        XCTAssertFalse(c.hostname.isEmpty)
        XCTAssertEqual(c.rankDescription, "rank 0 on \(c.hostname)")
    }

    /// A process that a launcher started but that cannot load Open MPI must fail with one line
    /// naming its rank, not train alone (it would write the same files as every other rank).
    func testUnloadableLibraryIsAOneLineError() {
        let launch = MPILaunch(rank: 3, size: 4, evidence: "OMPI_COMM_WORLD_SIZE")
        XCTAssertThrowsError(try MPICommunicator(launch: launch, library: "libmpi-absent-for-tests.so.40")) { error in
            let message = (error as? CommunicatorError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("rank 3 on "), message)
            XCTAssertTrue(message.contains("Open MPI cannot be loaded: libmpi-absent-for-tests.so.40"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    /// shim.h declares Open MPI's types, prototypes and constants itself (so that nothing links
    /// libmpi); compiled with -DMLP_MPI_CHECK it static-asserts each against mpi.h.
    func testShimMatchesOpenMPIHeader() throws {
        guard try ProcessRunner.shell("pkg-config --exists ompi-c").status == 0 else {
            throw XCTSkip("Open MPI's headers (libopenmpi-dev) are not installed")
        }
        let shim = Package.root + "/Sources/CMPI/shim.h"
        let r = try ProcessRunner.shell("cc -fsyntax-only -Werror -DMLP_MPI_CHECK $(pkg-config --cflags ompi-c) -x c '\(shim)'")
        XCTAssertEqual(r.status, 0, r.output)
    }
}
