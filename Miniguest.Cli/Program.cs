using Miniguest.Cli;
using Miniguest.Libvirt;

// miniguest reports libvirt's errors itself, one line each: libxml2's own warnings beside them would only confuse.
LibvirtLibrary.SilenceXmlErrors = true;
// It subscribes to no domain event, close callback or keep-alive: each call waits on its own socket, without the event
// loop's thread and the loop's wake-ups at every call.
LibvirtLibrary.RunEventLoop = false;
LibvirtLocation.ApplyEnvironment();
return await MiniguestCommand.InvokeAsync(args, new System.CommandLine.InvocationConfiguration
{
    Output = StandardStreams.Out,
    Error = StandardStreams.Error,
});
