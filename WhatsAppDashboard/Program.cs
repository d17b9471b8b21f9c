using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Components;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddAppShell();
builder.AddData();
builder.AddAudit();
builder.AddAuth();
builder.AddUsers();
builder.AddContacts();
builder.AddCommandLine();

var app = builder.Build();

if (CommandLine.IsCommand(args))
    return await CommandLine.RunAsync(app.Services, args);

app.UseAppShell();
app.MapHealth();
app.MapAuth();
app.MapContacts();
app.MapAppShell();

await app.RunAsync();
return 0;

public partial class Program;
