using WhatsAppDashboard.Benchmark;
using WhatsAppDashboard.Cli;
using WhatsAppDashboard.Components;
using WhatsAppDashboard.Data;
using WhatsAppDashboard.Features.Accounts;
using WhatsAppDashboard.Features.Analytics;
using WhatsAppDashboard.Features.Api;
using WhatsAppDashboard.Features.Audit;
using WhatsAppDashboard.Features.Auth;
using WhatsAppDashboard.Features.Campaigns;
using WhatsAppDashboard.Features.CloudApi;
using WhatsAppDashboard.Features.Contacts;
using WhatsAppDashboard.Features.Dispatch;
using WhatsAppDashboard.Features.Live;
using WhatsAppDashboard.Features.Scheduling;
using WhatsAppDashboard.Features.Templates;
using WhatsAppDashboard.Features.Users;
using WhatsAppDashboard.Features.Webhooks;
using WhatsAppDashboard.Sandbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddAppShell();
builder.AddData();
builder.AddAudit();
builder.AddAuth();
builder.AddUsers();
builder.AddAccounts();
builder.AddTemplates();
builder.AddCloudApi();
builder.AddSandbox();
builder.AddContacts();
builder.AddCampaigns();
builder.AddDispatch();
builder.AddWebhooks();
builder.AddAnalytics();
builder.AddLive();
builder.AddApi();
builder.AddScheduling();
builder.AddCommandLine();
builder.AddBenchmark();

var app = builder.Build();

if (CommandLine.IsCommand(args))
    return await CommandLine.RunAsync(app.Services, args);

app.UseAppShell();
app.MapHealth();
app.MapAuth();
app.MapAccounts();
app.MapTemplates();
app.MapContacts();
app.MapCampaigns();
app.MapDispatch();
app.MapWebhooks();
app.MapLive();
app.MapApi();
app.MapAppShell();
app.MapSandbox();

await app.RunAsync();
return 0;

public partial class Program;
