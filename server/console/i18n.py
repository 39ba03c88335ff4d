"""English for the console. Chinese is the source text; anything without an entry stays Chinese.

Templates call `_("中文")`; web.render binds `_` to `translate(text, viewer's language)`. The kiosk
preview on the notices page stays Chinese on purpose: it shows what residents will see.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # frame and navigation
    "便民驿站工作台": "Yizhan staff console",
    "退出": "Log out",
    "工作队列": "Work queue",
    "平安签到": "Daily check-in",
    "通知公告": "Notices",
    "预约时段": "Appointment slots",
    "统计分析": "Statistics",
    "驿站管理": "Stations",
    "账号": "Accounts",
    "审计": "Audit",
    "工作人员": "Staff",
    "主管": "Supervisor",
    "管理员": "Admin",
    # login and errors
    "登录": "Log in",
    "工作人员登录": "Staff login",
    "用户名": "User name",
    "密码": "Password",
    "乡镇、县级便民服务中心使用。请勿在公用电脑上保存密码。": (
        "For town and county service centres. Do not save the password on a shared computer."
    ),
    "用户名或密码不对": "Wrong user name or password",
    "登录失败次数过多，账号已暂时锁定，请稍后再试或联系管理员": (
        "Too many failed logins: the account is locked for a while. Try later or ask an admin."
    ),
    "账号已停用，请联系管理员": "This account is disabled; ask an admin.",
    "请求已被拒绝": "Request refused",
    "表单已过期或来源不明（缺少安全令牌）。请返回页面刷新后再试。": (
        "The form is stale or came from elsewhere (no valid security token). Go back, reload and try again."
    ),
    "没有找到": "Not found",
    "这件事不存在，或者已被删除。": "This item does not exist.",
    "没有权限": "Not allowed",
    "您的角色不能查看这部分内容。如工作需要，请联系管理员。": (
        "Your role cannot see this. Ask an admin if you need it."
    ),
    "返回工作队列": "Back to the work queue",
    # queue
    "紧急呼叫": "Help calls",
    "已回应": "answered",
    "前": " ago",
    "共": "",
    "件": "requests",
    "显示": "showing",
    "回到最新的": "Newest",
    "回到开头": "Back to the start",
    "截至": "as of",
    "更新于": "updated",
    "受理号": "Receipt",
    "驿站": "Station",
    "事项": "Service",
    "状态": "Status",
    "提交时间": "Submitted",
    "已等待": "Waiting",
    "分派": "Assign",
    "紧急": "URGENT",
    "超期": "overdue",
    "没有符合条件的办件": "No requests match",
    "下一页": "Next",
    "提示音：开": "Sound: on",
    "提示音：关（点此开启）": "Sound: off (click to turn on)",
    "全部驿站": "All stations",
    "全部事项": "All services",
    "时间": "Time",
    "不限": "Any",
    "只看超期": "Overdue only",
    "筛选": "Filter",
    "清除": "Clear",
    "未办结": "Open",
    "已结束": "Closed",
    "全部": "All",
    "一天内": "Last day",
    "三天内": "Last 3 days",
    "七天内": "Last 7 days",
    "七天以前": "Older than 7 days",
    "待受理": "New",
    "已受理": "Received",
    "办理中": "In progress",
    "已办结": "Done",
    "已退回": "Returned",
    # request page
    "居民提交的内容": "What the resident submitted",
    "到达中心": "Reached the hub",
    "分派给": "Assigned to",
    "已回应呼叫": "Call answered",
    "居民信息": "Resident",
    "姓名": "Name",
    "身份证号": "ID number",
    "电话": "Phone",
    "住址": "Address",
    "独居": "Lives alone",
    "是": "yes",
    "否": "no",
    "紧急联系人": "Emergency contact",
    "这件事没有登记居民身份。": "No resident was identified for this request.",
    "本次查看已记入审计。": "This view has been recorded in the audit trail.",
    "照片": "Photos",
    "照片上传中": "Photo still uploading",
    "语音留言": "Voice note",
    "秒": "s",
    "自动转写，仅供参考": "Automatic transcript, for reference only",
    "姓名、身份证号、电话、住址和照片默认隐藏。": (
        "Name, ID number, phone, address and photos are hidden by default."
    ),
    "查看个人信息（会记入审计）": "Show personal data (audited)",
    "您的角色无权查看居民个人信息。需要时请主管处理。": (
        "Your role may not see residents' personal data. Ask a supervisor if it is needed."
    ),
    "办理记录": "History",
    "驿站提交": "Submitted at the station",
    "给居民的答复": "Reply to the resident",
    "驿站同步后在“我的办件”显示并朗读。": "Shown and read aloud in “My requests” after the station syncs.",
    "办理": "Handle",
    "答复或理由（用居民听得懂的话）": "Reply or reason (in plain words for the resident)",
    "例如：路灯已经修好了，谢谢您反映。": (
        "e.g. The street light has been repaired. Thank you for telling us."
    ),
    "受理": "Receive",
    "办结并答复": "Close with reply",
    "退回": "Return",
    "确定退回？理由会告诉居民。": "Return this request? The resident will hear the reason.",
    "办结需要写答复，退回需要写理由。": "Closing needs a reply; returning needs a reason.",
    "部门": "Department",
    "经办人": "Person",
    # check-in
    "独居老人": "Living alone",
    "今天未签到": "not checked in today",
    "人未签到": "not checked in",
    (
        "名单来自各驿站同步上来的居民信息（登记为独居的老人）。未签到的请先打电话，联系不上请上门，"
        "并点“已上门探访”。本页的查看已记入审计。"
    ): (
        "The list comes from residents the stations synced (registered as living alone). Call those who have "
        "not checked in; if nobody answers, visit and press “Visited”. Viewing this page is audited."
    ),
    "上次签到": "Last check-in",
    "今天": "Today",
    "已签到": "Checked in",
    "已上门": "Visited",
    "情况（可不填）": "Note (optional)",
    "已上门探访": "Visited",
    "还没有驿站上报独居老人。": "No station has reported residents living alone yet.",
    # notices
    "写通知": "Write a notice",
    "标题": "Title",
    "正文（会在驿站朗读，请写短句）": "Text (read aloud at the station: keep sentences short)",
    "发给": "Send to",
    "选定的驿站": "Chosen stations",
    "确定发布？驿站下次同步就会显示。": "Publish? Stations show it after their next sync.",
    "发布": "Publish",
    "驿站屏幕预览": "Preview on the kiosk",
    "（标题）": "(title)",
    "（正文）": "(text)",
    "已发布": "Published",
    "发布时间": "Published at",
    "正文": "Text",
    "还没有发布过通知": "No notices yet",
    # slots
    "超约待处理": "Overbooked slots to settle",
    (
        "驿站离线时可能同时约满同一时段。按提交先后，名额内的自动保留；多出来的请确认（加开名额）、"
        "改约到其他时段，或退回并说明理由。结果会在居民的“我的办件”里显示。"
    ): (
        "Offline stations can fill the same slot. Bookings within capacity (first come) are kept; settle the "
        "rest: add capacity, move them to another slot, or return them with a reason. Residents see the "
        "outcome."
    ),
    "加开名额到": "Raise capacity to",
    "预约提交": "Booked at",
    "名额": "Place",
    "处理": "Settle",
    "名额内": "within capacity",
    "超出": "over",
    "改约到…": "Move to…",
    "改约": "Move",
    "退回理由": "Reason",
    "保留": "kept",
    "发布时段": "Publish a slot",
    "服务": "Service",
    "日期": "Date",
    "开始": "Start",
    "结束": "End",
    "哪些驿站可约": "Bookable at",
    "全部驿站共用": "All stations share it",
    "每个选定驿站各一份": "One per chosen station",
    "今后的时段": "Upcoming slots",
    "已约/名额": "Booked / capacity",
    "还没有发布时段。驿站会先显示默认时段，由站点确认。": (
        "No slots yet. Kiosks offer default times, confirmed locally."
    ),
    # stations
    "注册码": "Enrolment code",
    "请把注册码读给驿站志愿者，在驿站“设置 → 连接中心”里输入。只显示这一次，只能用一次。": (
        "Read the code to the station volunteer (Settings → Connect to hub). Shown once, usable once."
    ),
    "注册时间": "Enrolled",
    "最近联系": "Last contact",
    "最近上传": "Last upload",
    "最久等待": "Oldest open",
    "已停用": "revoked",
    "待注册": "not enrolled",
    "超过一天没联系": "silent for a day",
    "停用后这台驿站不能再同步，也不能用原名重新注册。确定停用？": (
        "A revoked station can no longer sync or re-enrol under this name. Revoke?"
    ),
    "停用": "Revoke",
    "还没有驿站": "No stations yet",
    "新驿站或更换机器": "New station or replaced kiosk",
    "驿站名称": "Station name",
    "例如：东山村驿站": "e.g. Dongshan village",
    "有效天数": "Valid days",
    "生成注册码": "Create code",
    # statistics
    "最近八周": "last eight weeks",
    "每周办件量（按事项）": "Requests per week by service",
    "每周办件量（按驿站）": "Requests per week by station",
    "响应和办结时间（中位数）": "Median time to respond and to close",
    "件数": "Requests",
    "首次响应": "First response",
    "办结": "Closed",
    "反映问题的类别": "Problem categories",
    "暂无数据": "No data yet",
    "问题描述里的高频词": "Frequent words in problem reports",
    "按相邻两个汉字统计，每条描述只计一次。": "Counted as pairs of adjacent characters, once per report.",
    "独居老人每日签到率（%）": "Daily check-in rate of residents living alone (%)",
    # users and audit
    (
        "工作人员：办理队列里的事项，看不到居民个人信息；主管：另外可以分派、查看个人信息、签到、通知和预约；"
        "管理员：另外管理驿站、账号和审计。给工作人员选定驿站后，他只看到这些驿站的办件。"
    ): (
        "Staff handle the queue without residents' personal data; supervisors can also assign, see personal "
        "data, check-ins, notices and slots; admins also manage stations, accounts and the audit. Staff with "
        "chosen stations see only those stations' requests."
    ),
    "角色": "Role",
    "负责驿站": "Stations",
    "最近登录": "Last login",
    "解除锁定": "Unlock",
    "保存": "Save",
    "锁定至": "locked until",
    "添加账号": "Add an account",
    "初始密码（至少 8 位）": "Initial password (8+ characters)",
    "添加": "Add",
    "用户": "User",
    "操作": "Action",
    "对象": "Target",
    "说明": "Detail",
    "没有记录": "No entries",
    # flash messages
    "已保存": "Saved",
    "已受理，居民下次同步即可看到": "Received; the station sees it on its next sync",
    "已标记为办理中": "Marked in progress",
    "已办结，答复会送到驿站": "Closed; the reply goes to the station",
    "已退回，理由会送到驿站": "Returned; the reason goes to the station",
    "已分派": "Assigned",
    "通知已发布": "Notice published",
    "预约时段已发布": "Slot published",
    "已记录上门探访": "Visit recorded",
    "注册码已生成，只显示这一次": "Code created; it is shown only once",
    "驿站已停用": "Station revoked",
    "账号已保存": "Account saved",
    "办结需要填写答复，退回需要填写理由": "Closing needs a reply; returning needs a reason",
    "这件事的状态已经变了，请刷新后再操作": "The request changed meanwhile; reload and try again",
    "操作没有成功，请检查填写的内容": "That did not work; please check the form",
}

# 居民议事 (community consultations)
EN.update(
    {
        "居民议事": "Consultations",
        "发起议事": "Ask the stations",
        "在驿站问居民的意见：驿站会把问题读给老人听，每位居民一票，不记名。": (
            "Ask residents at the stations: the kiosk reads the question aloud; one vote per resident, "
            "secret ballot."
        ),
        "问题（会在驿站朗读，请写短句）": "Question (read aloud at the kiosk; keep sentences short)",
        "方式": "Kind",
        "投票（2 到 6 个选项）": "Vote (2 to 6 options)",
        "只收集建议": "Suggestions only",
        "选项": "Option",
        "投票时也可以留建议": "Voters may add a suggestion",
        "截止时间（可不填）": "Closes (optional)",
        "确定发起？驿站下次同步就会显示。": "Ask now? Stations show it after their next sync.",
        "发起": "Ask",
        "全部议事": "All consultations",
        "发起时间": "Asked",
        "状态": "State",
        "截止": "Close voting",
        "参加人数": "Voters",
        "进行中": "Open",
        "已截止": "Closed",
        "已公布结果": "Result published",
        "还没有发起过议事": "No consultations yet",
        "登记居民": "Registered residents",
        "投票结果": "Result",
        "各选项所占比例；数字见下表": "Share of each option; numbers in the table below",
        "合计": "Total",
        "票数": "Votes",
        "占比": "Share",
        "各驿站": "By station",
        "驿站": "Station",
        "参与率": "Turnout",
        "建议条数": "Suggestions",
        "还没有收到投票": "No votes yet",
        "居民建议": "Residents' suggestions",
        "还没有建议": "No suggestions yet",
        "导出 Excel": "Export to Excel",
        "截止后驿站不再收票，确定？": "Stations stop taking votes. Close now?",
        "公布结果": "Publish the result",
        "结果会作为通知发到驿站，确定公布？": "The result goes to the stations as a notice. Publish?",
        "议事已发起，驿站下次同步就会显示": "Consultation sent; stations show it after their next sync",
        "议事已截止": "Consultation closed",
        "结果已作为通知发到驿站": "Result sent to the stations as a notice",
    }
)


def translate(text: str, lang: str) -> str:
    return EN.get(text, text) if lang == "en" else text


# Topics, warnings, reports, error pages, audit words (console14). Topic names themselves are data
# (services/topic_data/topics.toml) and stay Chinese.
EN.update(
    {
        "高频议题": "Frequent topics",
        "最近7天，与之前8周比较": "last 7 days against the 8 weeks before",
        "新出现/突增的问题": "New or surging issues",
        "之前每周平均": "weekly average before",
        "新出现": "new",
        "突增": "surge",
        "没有明显新出现或突增的问题。": "No clearly new or surging issue.",
        "判断方法：本周件数与之前8周的周平均数比较（泊松检验，单侧）；本周至少": (
            "Test: this week's count against the weekly mean of the 8 weeks before (one-sided Poisson test); "
            "listed when at least"
        ),
        "件且 p <": "requests and p <",
        "时列出。之前8周从未出现的记为“新出现”。": ". A topic absent in all 8 weeks before is “new”.",
        "议题排行": "Topics ranked",
        "图中数字见右侧表格。": "The numbers are in the table beside the chart.",
        "议题明细": "Topics in detail",
        "议题": "Topic",
        "本周": "This week",
        "之前8周平均": "Mean of 8 weeks before",
        "趋势": "Trend",
        "常见说法": "Words used",
        "上升": "up",
        "下降": "down",
        "持平": "flat",
        "每周件数": "Requests per week",
        "每列是截至该日的7天。": "Each column is the 7 days up to that day.",
        "未归类的常见词": "Frequent words without a topic",
        "这些词还不属于任何议题；如果有意义，请管理员把它加进议题词表（topic_data/topics.toml）。": (
            "These words belong to no topic yet; if they matter, an admin can add them to the topic list "
            "(topic_data/topics.toml)."
        ),
        "清除议题": "Clear the topic",
        "详情": "details",
        "用分词和议题词表统计，每件只计一次。": (
            "Counted with word segmentation and the topic list, once per request."
        ),
        "独居预警": "Living-alone alerts",
        "独居老人预警": "Residents living alone: alerts",
        "需要关注": "Need attention",
        "人": "people",
        (
            "连续几天没有平安签到的独居老人（每个驿站可以设定天数，默认2天）。请先打电话，联系不上请上门，"
            "并记录结果。说“我不太好”的和紧急呼叫排在最前。查看电话会记入审计。"
        ): (
            "Residents living alone who have not checked in for some days (each station sets how many; 2 by "
            "default). Call first; if nobody answers, visit, and record the outcome. “Not feeling well” "
            "check-ins and help calls come first. Showing a phone number is audited."
        ),
        "独居老人预警名单": "Alert list",
        "级别": "Level",
        "未签到天数": "Days without check-in",
        "天": "days",
        "从未签到": "never checked in",
        "处理结果": "Outcome",
        "查看电话": "Show phone",
        "需主管查看": "supervisor only",
        "记录": "Record",
        "我不太好": "Not feeling well",
        "注意": "Watch",
        "警示": "Warning",
        "严重": "Serious",
        "已上门": "Visited",
        "电话联系": "Phoned",
        "住院": "In hospital",
        "外出": "Away",
        "其他": "Other",
        "没有需要预警的独居老人。": "No resident living alone needs an alert.",
        "各驿站预警天数，发送名单给驿站志愿者": (
            "Alert days per station; send the list to the station's volunteers"
        ),
        "连续未签到几天预警": "Alert after days without check-in",
        "驿站志愿者": "Station volunteers",
        "预警天数": "Alert days",
        "发送预警名单": "Send the alert list",
        "预警名单已发送给驿站": "Alert list sent to the station",
        "也显示已签到的": "Also show who checked in",
        "今天的独居老人都已签到。": "Everyone living alone has checked in today.",
        "有": "",
        "行数据无法显示，已记录在服务器日志，请联系管理员。": (
            "row(s) could not be shown; the server log has them. Please tell an admin."
        ),
        "周报月报": "Reports",
        "周报": "Weekly report",
        "月报": "Monthly report",
        "打印版": "Printable",
        "查看": "Open",
        (
            "按事项和驿站的办件量、响应时间、办结情况、高频议题、独居老人签到覆盖和预警处理。点一下即可下载，"
            "不用再手工填表。"
        ): (
            "Requests by service and station, response times, closed and open, top topics, check-in coverage "
            "and alert outcomes — one click, no re-typing."
        ),
        "报告操作": "Report actions",
        "返回报表": "Back to reports",
        "生成时间": "Generated",
        "办件总数": "Requests",
        "已办结/退回": "Closed",
        "平均每日签到率": "Mean daily check-in rate",
        "按事项": "By service",
        "按驿站": "By station",
        "独居老人签到覆盖": "Check-in coverage",
        "预警处理": "Alert outcomes",
        "次数": "Times",
        "暂时不能生成PDF": "PDF not available",
        "这台服务器上没有安装 Chromium，无法生成PDF。请下载Excel，或打开打印版用浏览器打印。": (
            "Chromium is not installed on this server, so no PDF can be made. Download the Excel file, or "
            "open the printable page and print it."
        ),
        "不能这样打开这个页面": "This address cannot be opened like that",
        "这个地址只接受表单提交。请从菜单重新进入页面再操作。": (
            "This address only takes form submissions. Open the page from the menu and try again."
        ),
        "这个页面不存在。请检查地址，或从菜单进入。": (
            "This page does not exist. Check the address or use the menu."
        ),
        "这个驿站不在您负责的范围内。如工作需要，请联系管理员。": (
            "This station is not one of yours. Ask an admin if you need it."
        ),
        "操作没有成功": "That did not work",
        "请检查填写的内容后再试；如果一直不行，请联系管理员。": (
            "Check the form and try again; if it keeps failing, ask an admin."
        ),
        "主菜单": "Main menu",
        "翻页": "Pages",
        "跳到正文": "Skip to content",
        "您的账号还没有分配负责的驿站，所以这里看不到任何办件。请联系管理员在“账号”页面为您分配驿站。": (
            "No stations are assigned to your account yet, so you see no requests. Ask an admin to assign "
            "stations on the Accounts page."
        ),
        "驿站提交时间": "Submitted at the station",
        "（驿站的时钟）": "(station clock)",
        "中心收到时间": "Received by the hub",
        "中心收到": "Received by the hub",
        "不能发布已经过去的时段，请选今后的日期和时间": (
            "A slot cannot be in the past; choose a later date and time"
        ),
        "结束时间要晚于开始时间": "The end must be after the start",
        # audit words
        "查看办件": "viewed a request",
        "查看居民个人信息": "viewed personal data",
        "查看照片": "viewed a photo",
        "查看平安签到": "viewed check-ins",
        "查看独居预警": "viewed alerts",
        "标记办理中": "marked in progress",
        "记录上门探访": "recorded a visit",
        "记录预警处理结果": "recorded an alert outcome",
        "设定预警天数": "set alert days",
        "发布通知": "published a notice",
        "发布预约时段": "published a slot",
        "修改名额": "changed capacity",
        "确认预约": "confirmed a booking",
        "退回预约": "refused a booking",
        "停用驿站": "revoked a station",
        "修改账号": "changed an account",
        "导出CSV": "exported CSV",
        "导出Excel": "exported Excel",
        "查看报表": "opened a report",
        "下载报表Excel": "downloaded a report (Excel)",
        "下载报表PDF": "downloaded a report (PDF)",
        "登录失败（密码不对）": "login failed (password)",
        "登录失败（没有这个账号）": "login failed (unknown user)",
        "登录失败（已锁定）": "login failed (locked)",
        "登录失败（账号已停用）": "login failed (disabled)",
        "办件": "request",
        "居民": "resident",
        "通知": "notice",
        "统计表": "statistics table",
        "报表": "report",
    }
)

# Passwords (change your own, an admin's reset) and the login page's "too many" answers (429).
EN.update(
    {
        "修改密码": "Change password",
        "重置密码": "Reset password",
        "重置后该账号的所有登录都会退出，锁定也会解除。请把新密码当面告诉本人，并提醒他登录后自己改掉。": (
            "Resetting logs this account out everywhere and lifts any lock. Tell the person the new "
            "password face to face and remind them to change it after logging in."
        ),
        "改好后需要用新密码重新登录，其他电脑上的登录也会退出。": (
            "After the change you log in again with the new password; logins on other computers end too."
        ),
        "当前密码": "Current password",
        "新密码（至少 8 位）": "New password (8+ characters)",
        "再输一次新密码": "New password again",
        "保存新密码": "Save the new password",
        "当前密码不对": "The current password is wrong",
        "新密码至少 8 位": "The new password needs at least 8 characters",
        "两次输入的新密码不一样": "The two new passwords are not the same",
        "没有改成，请再试一次": "The password was not changed; please try again",
        "这台电脑尝试登录的次数过多，请过一会儿再试，或联系管理员": (
            "Too many login attempts from this computer. Please wait a while and try again, or ask an admin."
        ),
        "登录的人太多，请稍等片刻再试": (
            "Many people are logging in right now. Please wait a moment and try again."
        ),
        "密码已修改，请用新密码登录": "Password changed. Log in with the new password.",
        "密码已重置，该账号的登录都已退出": "Password reset. Every login of that account has ended.",
        "修改自己的密码": "changed own password",
        "修改密码失败（当前密码不对）": "password change failed (wrong current password)",
    }
)
