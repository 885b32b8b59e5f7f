import Foundation
import PackagePlugin

/// Writes `BuildInfo.swift` with the git commit the program is built from (`syncd --version`), before
/// each build; rewritten only when the commit changed, so an unchanged tree does not rebuild for it.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let directory = context.pluginWorkDirectoryURL
        let output = directory.appending(path: "BuildInfo.swift").path
        let root = context.package.directoryURL.path
        let script = """
            commit=$(git -C '\(root)' rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            git -C '\(root)' diff --quiet HEAD -- 2>/dev/null || commit="$commit-modified"
            printf 'let buildCommit = "%s"\\n' "$commit" > '\(output).new'
            cmp -s '\(output).new' '\(output)' && rm -f '\(output).new' || mv -f '\(output).new' '\(output)'
            """
        return [.prebuildCommand(displayName: "Recording the commit", executable: URL(filePath: "/bin/sh"),
                                 arguments: ["-c", script], outputFilesDirectory: directory)]
    }
}
