/// The program's version; `syncd --version` adds the commit it was built from (Plugins/BuildInfo).
enum Version {
    static let number = "0.10.0"
    static var description: String { "\(number) (\(buildCommit))" }
}
