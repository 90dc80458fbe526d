// The release of mlp these files come from: model files and checkpoints record it.

public enum MLPRelease {
    public static let version = "0.2.0"
}
