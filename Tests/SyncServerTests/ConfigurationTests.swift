import Foundation
import XCTest
@testable import Settings
@testable import Store
@testable import HTTPEdge
@testable import SharedCounters
@testable import Supervision

final class ConfigurationTests: XCTestCase {
    func testBadValuesAreProblemsNotDefaults() {
        let configuration = Configuration.fromEnvironment([
            "SYNC_WORKERS": "abc", "SYNC_LOG_RETENTION_DAYS": "-1", "SYNC_LOG_REQUESTS": "maybe", "SYNC_SOCKET_MODE": "9",
            "SYNC_TENANT_CACHE_SECONDS": "nan", "SYNC_LOG_LEVEL": "debug", "SYNC_PAGE_DEFAULT_LIMIT": "6000",
        ])
        let problems = configuration.settingProblems
        XCTAssertEqual(problems.count, 7, problems.joined(separator: "\n"))
        XCTAssertTrue(problems.contains("SYNC_WORKERS=abc: expected a whole number from 1 to 32"))
        XCTAssertTrue(problems.contains("SYNC_LOG_RETENTION_DAYS=-1: expected a whole number from 1 to 36500"))
        XCTAssertTrue(problems.contains("SYNC_LOG_LEVEL=debug: expected one of info, error"))
        XCTAssertTrue(problems.contains("SYNC_PAGE_DEFAULT_LIMIT (6000) is above SYNC_PAGE_MAX_LIMIT (5000)"))
    }

    func testUnknownNamesInAFileAreProblemsWithTheNearestName() {
        let configuration = Configuration.fromEnvironment(["SYNC_WORKRES": "3", "SYNC_BASE_URL": "x"],
                                                          fileNames: ["SYNC_WORKRES", "SYNC_COMPLETELY_ELSE"])
        XCTAssertEqual(configuration.settingProblems, [
            "SYNC_COMPLETELY_ELSE: no such setting",
            "SYNC_WORKRES: no such setting (did you mean SYNC_WORKERS?)",
        ])
    }

    func testWorkersReadWhatTheMasterRead() {
        let master = Configuration.fromEnvironment(["SYNC_WORKERS": "3", "SYNC_JWT_ISSUER": "me", "OTHER": "x"])
        XCTAssertEqual(master.settings["SYNC_WORKERS"], "3")
        XCTAssertEqual(master.settings["SYNC_JWT_AUDIENCE"], "", "an unset setting is handed over as unset")
        XCTAssertNil(master.settings["OTHER"])
        let worker = Configuration.fromEnvironment(master.settings)
        XCTAssertEqual(worker.settings, master.settings)
        XCTAssertEqual(worker.workerProcesses, 3)
        XCTAssertEqual(worker.jwtIssuer, "me")
    }

    /// One list of settings: the README's table names exactly the ones the code reads.
    func testTheReadmeListsEverySetting() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let documented = text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `SYNC_") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
        XCTAssertEqual(documented.sorted(), Configuration.settingNames)
    }

    /// The README's table gives each setting the default the code reads it with: the first `quoted`
    /// word of the cell, or its first word; "none", "(required)" and the like where the code has none.
    func testTheReadmeGivesEachSettingsDefault() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let defaults = Configuration.defaults
        var checked = 0
        for line in try String(contentsOf: readme, encoding: .utf8).split(separator: "\n") where line.hasPrefix("| `SYNC_") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cell = cells[3]
            let quoted = cell.split(separator: "`", omittingEmptySubsequences: false)
            var documented = quoted.count > 2 ? String(quoted[1]) : String(cell.split(separator: " ").first ?? "")
            if documented.hasPrefix("./") { documented.removeFirst(2) }
            guard let code = defaults[name] else { XCTFail("\(name) is not read"); continue }
            if code.isEmpty {
                XCTAssertTrue(["none", "(none", "(required)"].contains { cell.hasPrefix($0) } || documented.hasPrefix("SYNC_"),
                              "\(name): the code has no default, the README says \(cell)")
            } else {
                XCTAssertEqual(documented, code, "\(name)'s default")
            }
            checked += 1
        }
        XCTAssertEqual(checked, defaults.count)
    }

    /// The settings file the package installs names only settings the code reads.
    func testThePackagedSettingsFileNamesOnlyKnownSettings() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../systemd/syncd.env")
        let named = try Configuration.environmentFile(file.path).keys
        XCTAssertEqual(Set(named).subtracting(Configuration.settingNames), [])
        XCTAssertTrue(named.contains("SYNC_REGISTRY_FILE"))
    }
}
