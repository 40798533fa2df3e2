import Foundation
import TOMLKit

extension Config {
    /// Reads and validates a config file. No network, no store access.
    /// - Throws: `ConfigError` naming file, line and key.
    static func load(_ path: String) throws -> Config {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ConfigError(file: path, line: nil, key: nil, problem: "cannot read the config file; check the path given to --config")
        }
        let text = String(decoding: data, as: UTF8.self)
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw ConfigError(file: file.path, line: error.source.begin.line, key: nil, problem: "invalid TOML: \(error.description)")
        }
        let reader = ConfigReader(file: file, text: text)
        let base = file.deletingLastPathComponent()
        guard let store = table["store"]?.table, let storePath = store["path"]?.string else {
            throw reader.error("store.path", "missing; add a [store] table with path = \"archive\"")
        }
        guard let sourceArray = table["source"]?.array, !sourceArray.isEmpty else {
            throw reader.error("source", "no [[source]] table; add one per IMAP server")
        }
        var sources: [SourceConfig] = []
        for (i, value) in sourceArray.enumerated() {
            guard let t = value.table else { throw reader.error("source", "must be a table ([[source]])") }
            sources.append(try reader.source(t, index: i, base: base))
        }
        let names = sources.map(\.name)
        if let dup = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw reader.error("name", "source name \"\(dup)\" is used twice; give each [[source]] its own name")
        }
        return Config(file: file, storePath: URL(fileURLWithPath: storePath, relativeTo: base).standardizedFileURL, sources: sources)
    }
}

/// Reads typed values out of TOML tables and turns mistakes into `ConfigError`s with line numbers.
struct ConfigReader {
    let file: URL
    let text: String

    func error(_ key: String, _ problem: String, source: Int? = nil) -> ConfigError {
        let prefix = source.map { "source[\($0 + 1)]." } ?? ""
        return ConfigError(file: file.path, line: line(of: key, source: source), key: prefix + key, problem: problem)
    }

    /// Best-effort line of `key =` (inside the n-th `[[source]]` when given).
    func line(of key: String, source: Int?) -> Int? {
        let lines = text.components(separatedBy: "\n")
        var seen = -1
        let leaf = key.split(separator: ".").last.map(String.init) ?? key
        for (n, raw) in lines.enumerated() {
            let l = raw.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("[[source]]") { seen += 1; if let source, seen > source { return nil }; continue }
            if let source, seen != source { continue }
            if l.hasPrefix(leaf + " ") || l.hasPrefix(leaf + "=") || l == "[\(leaf)]" { return n + 1 }
        }
        return nil
    }

    func string(_ t: TOMLTable, _ key: String, source: Int?, default def: String? = nil) throws -> String {
        guard let v = t[key] else {
            if let def { return def }
            throw error(key, "missing; it is required", source: source)
        }
        guard let s = v.string else { throw error(key, "must be a string", source: source) }
        return s
    }

    func strings(_ t: TOMLTable, _ key: String, source: Int?, default def: [String]) throws -> [String] {
        guard let v = t[key] else { return def }
        guard let array = v.array else { throw error(key, "must be an array of strings", source: source) }
        return try array.map { item in
            guard let s = item.string else { throw error(key, "must be an array of strings", source: source) }
            return s
        }
    }

    func int(_ t: TOMLTable, _ key: String, source: Int?, default def: Int, range: ClosedRange<Int>) throws -> Int {
        guard let v = t[key] else { return def }
        guard let n = v.int else { throw error(key, "must be an integer", source: source) }
        guard range.contains(n) else { throw error(key, "must be between \(range.lowerBound) and \(range.upperBound)", source: source) }
        return n
    }

    func secret(_ v: TOMLValueConvertible, key: String, source: Int, base: URL) throws -> Secret {
        guard let t = v.table else {
            throw error(key, "secrets are never written inline; use { env = \"NAME\" } or { file = \"path\" }", source: source)
        }
        if let name = t["env"]?.string { return .env(name) }
        if let path = t["file"]?.string { return .file(URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL) }
        throw error(key, "must be { env = \"NAME\" } or { file = \"path\" }", source: source)
    }
}
