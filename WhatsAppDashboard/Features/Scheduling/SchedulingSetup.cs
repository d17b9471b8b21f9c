// Quartz 4.7.3, core package only: DI, hosting and System.Text.Json serialization live in it (there is no
// Quartz.Extensions.Hosting / .DependencyInjection to add). Its API differs from Quartz 3; what this file relies on:
//
// - builder.AddQuartz(q => …) (on IHostApplicationBuilder) registers the default scheduler: ISchedulerFactory and an
//   unkeyed IScheduler in the container. An optional "Quartz" configuration section is bound first; code wins over it.
// - q.UsePersistentStore(store => …) selects the ADO.NET job store (its own transactions). Inside it:
//     store.UsePostgres(o => o.ConnectionStringName = "Default")  Npgsql + the PostgreSQL driver delegate; the
//                                   connection string is read from IConfiguration when the scheduler is built.
//     store.UseClustering()        every instance on the database is one cluster: row locks in qrtz_locks, a
//                                   generated instance id per process, check-ins in qrtz_scheduler_state.
//     store.UseSystemTextJsonSerializer()  the serializer for what the store keeps as blobs (stated, not left to a default).
//     store.ProvisionSchema()      creates the qrtz_* tables that are missing when the scheduler is first BUILT (not
//                                   started): it only ever creates, never alters or drops, and is safe when several
//                                   instances start at once. A brand-new database needs nothing else.
//     store.ConfigureStore(o => …) AdoJobStoreOptions: StoreJobDataAsStrings, MisfireThreshold, TablePrefix (QRTZ_,
//                                   lower-cased by PostgreSQL; a schema-qualified prefix needs the schema to exist).
// - q.ConfigureScheduler(o => …)    QuartzSchedulerOptions: InstanceName (the cluster's name: the same on every node),
//                                   IdleWaitTime (how often an idle node looks for triggers other nodes stored).
// - Clock: without q.UseTimeProvider(…), Quartz uses the TimeProvider registered in the container (AddAppShell's),
//   so a test that replaces the app's clock replaces the scheduler's too (a clock that never advances fires nothing).
// - services.AddQuartzHostedService(o => …) starts the scheduler once the app has started (AwaitApplicationStarted)
//   and shuts it down with the app (WaitForJobsToComplete). CLI commands never start hosted services, and never
//   resolve the scheduler, so `migrate` and friends neither touch nor need the qrtz_* tables.
// - QuartzSchedulerBuilder.Create(q => …).Build() makes a standalone scheduler from the same IQuartzBuilder callback,
//   without a host: ProvisionSchemaAsync below uses it to create the tables ahead of time without starting anything.
// - IJob.Execute(IJobExecutionContext, CancellationToken) returns ValueTask; IScheduler's methods take a
//   CancellationToken and return ValueTask. ScheduleJob(job, trigger, ScheduleJobOptions.Replacing, ct) replaces a
//   stored job and trigger in one store transaction; DeleteJob(jobKey, ct) removes a job with its triggers.
// - TriggerBuilder.Create(TimeProvider) and JobBuilder.Create<TJob>() are generic builders;
//   SimpleScheduleBuilder.Create().WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow) makes a one-off
//   trigger that, if missed, fires exactly once as soon as a node can.
// - [DisallowConcurrentExecution] and [RetryPolicy(...)] on the job type: one execution per job key at a time in the
//   whole cluster, and failed firings re-fired with back-off (RetryPolicy is new in 4.x; it is read from the type each
//   time, not stored). JobBuilder.RequestRecovery(true): a firing cut short by a crash runs again on recovery.
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;
using WhatsAppDashboard.Data;

namespace WhatsAppDashboard.Features.Scheduling;

public sealed class SchedulingOptions
{
    public const string Section = "Scheduling";

    /// <summary>
    /// Whether this instance fires schedules. When off, scheduling, rescheduling and unscheduling still work (they
    /// are stored in the database) and any instance with scheduling on fires them; this one never does.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How late a fire may be before Quartz treats it as missed. Either way a campaign's fire runs once: a missed one
    /// runs as soon as an instance is up. Shorter values only change which of the two paths a late fire takes.
    /// </summary>
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromMinutes(1);
}

public static class SchedulingSetup
{
    /// <summary>The cluster's name: every instance on one database must use the same one (it is a column of every qrtz_* row).</summary>
    public const string SchedulerName = "WhatsAppDashboard";

    /// <summary>
    /// Quartz with its clustered PostgreSQL job store (tables created at start-up when missing), started with the app
    /// unless <c>Scheduling:Enabled</c> is false, and the <see cref="CampaignScheduler"/> that other features use.
    /// </summary>
    public static WebApplicationBuilder AddScheduling(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(SchedulingOptions.Section).Get<SchedulingOptions>() ?? new SchedulingOptions();
        if (settings.MisfireThreshold < TimeSpan.FromMilliseconds(1))
            throw new InvalidOperationException($"{SchedulingOptions.Section}:MisfireThreshold must be positive, for example 00:01:00.");

        builder.AddQuartz(q => Configure(q, settings, source => source.ConnectionStringName = DataSetup.ConnectionStringName));
        if (settings.Enabled)
        {
            builder.Services.AddQuartzHostedService(options =>
            {
                // Nothing fires before start-up is complete (migrations, seeding).
                options.AwaitApplicationStarted = true;
                // A job that has begun finishes its database work before the process exits.
                options.WaitForJobsToComplete = true;
            });
        }

        builder.Services.AddSingleton<CampaignScheduler>();
        // The default runner. A feature that can do more registers its own: TryAdd here and last-wins resolution make
        // the order of the two registrations irrelevant.
        builder.Services.TryAddScoped<IScheduledCampaignRunner, StatusOnlyScheduledCampaignRunner>();
        return builder;
    }

    /// <summary>
    /// Creates the scheduler's missing qrtz_* tables in a database, exactly as a starting instance would, without
    /// starting a scheduler: for preparing a database ahead of time (the test suite's template database, say).
    /// </summary>
    public static async Task ProvisionSchemaAsync(string connectionString, CancellationToken ct = default)
    {
        await using var factory = QuartzSchedulerBuilder
            .Create(q => Configure(q, new SchedulingOptions(), source => source.ConnectionString = connectionString))
            .Build();
        // Building the scheduler is what provisions the schema; it is never started.
        var scheduler = await factory.GetScheduler(ct);
        await scheduler.Shutdown(waitForJobsToComplete: false, ct);
    }

    /// <summary>The one configuration of the scheduler, for the app's instance and for <see cref="ProvisionSchemaAsync"/>.</summary>
    private static void Configure(IQuartzBuilder q, SchedulingOptions settings, Action<DataSourceOptions> dataSource)
    {
        q.ConfigureScheduler(scheduler =>
        {
            scheduler.InstanceName = SchedulerName;
            // A trigger stored by another instance is seen by an idle one within this time (Quartz's default is 30 s).
            scheduler.IdleWaitTime = TimeSpan.FromSeconds(5);
        });
        q.UsePersistentStore(store =>
        {
            store.UsePostgres(dataSource);
            store.UseClustering(_ => { });
            store.UseSystemTextJsonSerializer();
            store.ProvisionSchema();
            store.ConfigureStore(options =>
            {
                // Job data is a few ids and dates: stored as readable strings, not serialized objects.
                options.StoreJobDataAsStrings = true;
                options.MisfireThreshold = settings.MisfireThreshold;
            });
        });
    }
}
