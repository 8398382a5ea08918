using System.Reflection;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Unit;

/// <summary>
/// Miniguest.Core speaks its own types to an embedder: no libvirt handle, enum or record of the binding's is in its
/// public API, so an embedder needs nothing of the binding (libvirt's errors reach it as Core's, the original inside).
/// </summary>
public sealed class CorePublicSurfaceTests
{
    private const BindingFlags Visible = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Test]
    public void No_public_member_of_Core_names_a_type_of_the_binding()
    {
        var exported = typeof(GuestHost).Assembly.GetExportedTypes();
        var leaks = exported
            .SelectMany(type => Signatures(type).Where(signature => signature.Types.Any(NamesBinding))
                .Select(signature => $"{type.Name}.{signature.Member}"))
            .ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exported, Has.Length.GreaterThan(20), "Core's public types were read");
            Assert.That(Signatures(typeof(GuestHost)).Select(signature => signature.Member), Has.Some.EqualTo(nameof(GuestHost.ListAsync)),
                "the members were read");
            Assert.That(leaks, Is.Empty, "members that hand out or take the binding's types");
        }
    }

    [Test]
    public void The_front_door_is_an_interface_that_GuestHost_implements_whole()
    {
        var door = typeof(IGuestHost).GetMethods().Select(method => method.Name).ToHashSet();
        var host = typeof(GuestHost).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(method => !method.IsSpecialName).Select(method => method.Name);

        Assert.That(host.Except(door), Is.Empty, "every public action of GuestHost is on IGuestHost");
    }

    [Test]
    public void A_guests_name_enters_the_door_as_a_string_and_becomes_a_path_only_as_a_GuestName()
    {
        static IEnumerable<Type> NameTypes(IEnumerable<MethodInfo> methods) =>
            methods.SelectMany(method => method.GetParameters()).Where(parameter => parameter.Name == "name")
                .Select(parameter => parameter.ParameterType).Distinct();
        var paths = typeof(MiniguestPaths).GetMethods(Visible).Where(method => !method.IsSpecialName && method.ReturnType == typeof(string));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(NameTypes(typeof(IGuestHost).GetMethods()), Is.EqualTo(new[] { typeof(string) }), "embedders and the command line pass strings");
            Assert.That(NameTypes(paths), Is.EqualTo(new[] { typeof(GuestName) }), "a guest's paths are built from checked names only");
        }
    }

    private static IEnumerable<(string Member, IEnumerable<Type> Types)> Signatures(Type type)
    {
        yield return ("(base)", type.BaseType is { } baseType ? [baseType, .. type.GetInterfaces()] : type.GetInterfaces());
        foreach (var member in type.GetMembers(Visible).Concat(type.GetMembers(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                     .Where(member => member is MethodBase { IsFamily: true } or PropertyInfo { GetMethod.IsFamily: true })))
        {
            IEnumerable<Type> types = member switch
            {
                MethodInfo method => [method.ReturnType, .. method.GetParameters().Select(parameter => parameter.ParameterType)],
                ConstructorInfo constructor => constructor.GetParameters().Select(parameter => parameter.ParameterType),
                PropertyInfo property => [property.PropertyType],
                FieldInfo field => [field.FieldType],
                EventInfo @event => [@event.EventHandlerType!],
                _ => [],
            };
            yield return (member.Name, types);
        }
    }

    // The type, or any type it is made of (an element, a generic argument, a tuple's member), is the binding's.
    private static bool NamesBinding(Type type) =>
        type.Assembly == typeof(Connection).Assembly
        || (type.HasElementType && NamesBinding(type.GetElementType()!))
        || (type.IsGenericType && type.GetGenericArguments().Any(NamesBinding));
}
