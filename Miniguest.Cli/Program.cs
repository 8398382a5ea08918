using Miniguest.Cli;
using Miniguest.Libvirt;

// miniguest reports libvirt's errors itself, one line each: libxml2's own warnings beside them would only confuse.
LibvirtLibrary.SilenceXmlErrors = true;
LibvirtLocation.ApplyEnvironment();
var code = await MiniguestCommand.InvokeAsync(args, new System.CommandLine.InvocationConfiguration
{
    Output = StandardStreams.Out,
    Error = StandardStreams.Error,
});
// The process ends here without the C libraries' exit-time destructors. They would run while libvirt's event loop thread
// still works through the connections just closed, and glibc then found its heap corrupt now and then ("malloc_consolidate():
// invalid chunk size" after a whole listing). Every file and connection is closed by now.
StandardStreams.ExitNow(code);
return code;
