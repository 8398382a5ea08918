using Miniguest.Cli;
using Miniguest.Libvirt;

// miniguest reports libvirt's errors itself, one line each: libxml2's own warnings beside them would only confuse.
LibvirtLibrary.SilenceXmlErrors = true;
LibvirtLocation.ApplyEnvironment();
return await MiniguestCommand.InvokeAsync(args, new System.CommandLine.InvocationConfiguration
{
    Output = StandardStreams.Out,
    Error = StandardStreams.Error,
});
