using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>Symbolic links changed without ever following them.</summary>
internal static class Links
{
    /// <summary>Makes <paramref name="path"/> a link to <paramref name="target"/>, replacing a link that is there
    /// atomically (a new link renamed over it), so a reader sees the old link or the new one, never none.</summary>
    public static void ReplaceSymbolicLink(string path, string target)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.Delete(temporary);
        File.CreateSymbolicLink(temporary, target);
        // rename(2) replaces the link itself, never what it points at. (File.Move refuses links to directories.)
        if (LibC.rename(temporary, path) != 0)
        {
            var error = Marshal.GetLastPInvokeErrorMessage();
            File.Delete(temporary);
            throw new IOException($"{path}: cannot replace the link: {error}");
        }
    }
}
