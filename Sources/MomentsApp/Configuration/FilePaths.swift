import Foundation

/// Paths written inside files: a daemon configuration's `rules:` and `admin.state_dir`, a rule
/// test file's `rules:`. One rule for all of them, so that a path means the same wherever it
/// is written.
public enum FilePaths {
    /// `path` as written in `file`: relative to the file's folder, unless absolute.
    public static func resolve(_ path: String, writtenIn file: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        let dir = (file as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : (dir as NSString).appendingPathComponent(path)
    }
}
