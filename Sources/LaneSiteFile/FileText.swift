#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a file: the module's one use of the C library's files (`fopen`, `fread`).
extension SiteFile {
    /// The text of the UTF-8 file at `path`.
    package static func readText(path: String) throws(SiteFileError) -> String {
        guard let file = fopen(path, "r") else {
            throw SiteFileError(file: path, path: "", line: nil, problem: "cannot open the file (\(String(cString: strerror(errno))))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SiteFileError(file: path, path: "", line: nil, problem: "the file is not UTF-8 text")
        }
        return text
    }
}
